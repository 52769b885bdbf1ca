"""The client of scriptd, the Node sandbox service (sandbox/). The bottom layer: it imports no app, so Try runs
(scripts_editor) and logins (identity) both build on it."""
