module github.com/asynclog/asynclog-go

go 1.24
