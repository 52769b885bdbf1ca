"""Performance figures for Trickle (`make bench`): each section is a module with `run() -> None` that prints."""
