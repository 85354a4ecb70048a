"""Tools that use a trained run: sampling, export, comparison, and the plugin scaffold.

Each sits above training and metrics and below the CLI, which only parses options and
renders what a tool returns.
"""
