class StaleConnection(Exception):
    """The connection's settings changed since the editor loaded them (its version moved on)."""

    def __init__(self, *, current_version: int, expected_version: int):
        self.current_version = current_version
        self.expected_version = expected_version
        super().__init__(
            f"the settings were changed by someone else (version {current_version}, "
            f"not {expected_version}); reload to see their changes"
        )
