package asynclog_test

import (
	"context"
	"fmt"
	"log/slog"
	"regexp"

	asynclog "github.com/asynclog/asynclog-go"
)

// The examples log to a capture sink and print its lines without the
// timestamp, so that their output can be checked.
const capture = `{"sinks":[{"type":"capture","name":"mem"}]}`

var ts = regexp.MustCompile(`"ts":"[^"]*",`)

func printCaptured(log *asynclog.Logger) {
	if err := log.Flush(context.Background()); err != nil {
		fmt.Println(err)
	}
	out, _ := log.CaptureTake("mem")
	fmt.Print(ts.ReplaceAllString(string(out), ""))
}

func Example() {
	log, err := asynclog.New(capture) // "" for NDJSON to stdout at INFO
	if err != nil {
		fmt.Println(err)
		return
	}
	defer log.Close() // drains: everything logged before is written

	ctx := asynclog.WithCorrelationID(context.Background(), "req-42")
	log.Info(ctx, "request handled",
		asynclog.Int("user_id", 7),
		asynclog.String("path", "/api/v1/items"),
		asynclog.Float64("latency_ms", 12.5))
	printCaptured(log)
	// Output:
	// {"level":"INFO","logger":"app","msg":"request handled","correlation_id":"req-42","user_id":7,"path":"/api/v1/items","latency_ms":12.5}
}

func ExampleNewHandler() {
	log, _ := asynclog.New(capture)
	defer log.Close()

	// The one-line switch: every slog call now goes through asynclog.
	slog.SetDefault(slog.New(asynclog.NewHandler(log, nil)))

	slog.Info("request handled", "user_id", 7, slog.Group("http", "status", 200))
	printCaptured(log)
	// Output:
	// {"level":"INFO","logger":"app","msg":"request handled","user_id":7,"http":{"status":200}}
}

func ExampleLogger_With() {
	log, _ := asynclog.New(capture)
	defer log.Close()

	http := log.Named("http").With(asynclog.String("service", "checkout"))
	http.Warn(context.Background(), "slow request",
		asynclog.Object("req", asynclog.String("method", "GET"), asynclog.Int("ms", 950)),
		asynclog.Array("tags", asynclog.StringValue("a"), asynclog.StringValue("b")))
	printCaptured(log)
	// Output:
	// {"level":"WARN","logger":"http","msg":"slow request","service":"checkout","req":{"method":"GET","ms":950},"tags":["a","b"]}
}

func ExampleWithTrace() {
	log, _ := asynclog.New(capture)
	defer log.Close()

	ctx := asynclog.WithTrace(context.Background(),
		"4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7")
	ctx = asynclog.WithContextFields(ctx, asynclog.String("tenant", "acme"))
	log.Error(ctx, "payment failed", asynclog.Err(fmt.Errorf("card declined")))
	printCaptured(log)
	// Output:
	// {"level":"ERROR","logger":"app","msg":"payment failed","trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","span_id":"00f067aa0ba902b7","tenant":"acme","error":"card declined"}
}

func ExampleLogger_Metrics() {
	log, _ := asynclog.New(capture)
	log.Info(context.Background(), "kept")
	log.Debug(context.Background(), "below the level")
	log.Close()
	log.Info(context.Background(), "after close")

	m, _ := log.Metrics() // after Close: the final reading
	s, _ := m.Sink("mem")
	fmt.Printf("submitted %d: written %d, filtered %d, dropped (closed) %d\n",
		m.Submitted, s.Written, s.Filtered, s.Dropped.Closed)
	// Output:
	// submitted 3: written 1, filtered 1, dropped (closed) 1
}
