"""Levels, by the numbers the core uses."""

from __future__ import annotations

import enum
import logging


class Level(enum.IntEnum):
    """The level of an event. ``AUDIT`` and ``SECURITY`` are categories:
    they pass every level filter and are never sampled out."""

    TRACE = 0
    DEBUG = 1
    INFO = 2
    WARN = 3
    ERROR = 4
    FATAL = 5
    AUDIT = 6
    SECURITY = 7

    @classmethod
    def parse(cls, level: Level | str | int) -> Level:
        """A level from a member, a name (``"info"``, ``"warning"``, any
        case) or a stdlib number (``logging.INFO``)."""
        if isinstance(level, Level):
            return level
        if isinstance(level, str):
            name = level.strip().upper()
            name = {"WARNING": "WARN", "CRITICAL": "FATAL"}.get(name, name)
            try:
                return cls[name]
            except KeyError:
                raise ValueError(f"unknown level {level!r}") from None
        return from_stdlib(level)


def from_stdlib(levelno: int) -> Level:
    """The level for a stdlib ``logging`` number: below DEBUG is TRACE,
    CRITICAL is FATAL, numbers in between round down."""
    if levelno >= logging.CRITICAL:
        return Level.FATAL
    if levelno >= logging.ERROR:
        return Level.ERROR
    if levelno >= logging.WARNING:
        return Level.WARN
    if levelno >= logging.INFO:
        return Level.INFO
    if levelno >= logging.DEBUG:
        return Level.DEBUG
    return Level.TRACE


def to_stdlib(level: Level) -> int:
    """The stdlib ``logging`` number closest to ``level``."""
    return {
        Level.TRACE: 5,
        Level.DEBUG: logging.DEBUG,
        Level.INFO: logging.INFO,
        Level.WARN: logging.WARNING,
        Level.ERROR: logging.ERROR,
        Level.FATAL: logging.CRITICAL,
        Level.AUDIT: logging.CRITICAL,
        Level.SECURITY: logging.CRITICAL,
    }[level]
