"""Telemetry: request ids, log formats, Prometheus metrics and error reporting. The bottom layer beside
scriptd_client: it imports no app, so every app may use it."""
