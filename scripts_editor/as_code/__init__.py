"""Connections as code: read and write auth0-deploy-cli's directory and YAML layouts.

`export` turns connections into files, `layout` reads and writes the two layouts, `keywords` does the
deploy CLI's keyword replacement, `plan` validates a whole import and says what it would change, and
`apply` makes those changes in one transaction. Nothing here writes a configuration value to a file.
"""
