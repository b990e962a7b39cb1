"""Command line (typer). Parses options and calls the library; nothing in vsi100k imports this."""
