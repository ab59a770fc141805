import os
import re

from asynclog.fastapi import new_request_id


def test_generated_ids_are_32_hex_digits_and_do_not_repeat() -> None:
    ids = {new_request_id() for _ in range(10000)}
    assert len(ids) == 10000
    assert all(re.fullmatch(r"[0-9a-f]{32}", i) for i in ids)


def test_a_forked_child_draws_a_different_sequence_from_its_parent() -> None:
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        os.write(write, ",".join(new_request_id() for _ in range(5)).encode())
        os._exit(0)
    os.close(write)
    parent = [new_request_id() for _ in range(5)]
    with os.fdopen(read) as f:
        child = f.read().split(",")
    os.waitpid(pid, 0)
    assert len(child) == 5 and not set(child) & set(parent)
