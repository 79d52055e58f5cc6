"""The shipped strategy files (`default.toml`, `demo.toml`): package data, installed with the engine.

`ops.strategies.load_strategy("demo")` reads `demo.toml` from here, wherever the package is installed.
"""
