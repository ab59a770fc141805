from asynclog.pytest_plugin import Capture

import asynclog


def test_bound_fields_come_before_call_fields_and_children_accumulate(
    asynclog_capture: Capture,
) -> None:
    base = asynclog.get_logger("svc")
    child = base.bind(service="billing", version=3)
    grandchild = child.bind(region="eu")
    grandchild.info("charged", amount=10)
    child.info("child only")
    base.info("base only")

    charged, child_only, base_only = asynclog_capture.records()
    assert charged["service"] == "billing" and charged["version"] == 3
    assert charged["region"] == "eu" and charged["amount"] == 10
    assert charged["logger"] == "svc"
    assert "region" not in child_only and child_only["service"] == "billing"
    assert "service" not in base_only


def test_bind_converts_its_values_once(asynclog_capture: Capture) -> None:
    import uuid

    tenant = uuid.UUID(int=42)
    asynclog.get_logger().bind(tenant=tenant).info("x")
    assert asynclog_capture.one("x")["tenant"] == str(tenant)


def test_named_keeps_bound_fields_under_another_name(asynclog_capture: Capture) -> None:
    asynclog.get_logger("a").bind(k=1).named("b").info("renamed")
    r = asynclog_capture.one("renamed")
    assert r["logger"] == "b" and r["k"] == 1
