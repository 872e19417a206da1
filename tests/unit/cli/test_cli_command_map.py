"""The root command loads each command's module lazily; the map must stay complete."""

import pkgutil

from typer.testing import CliRunner

import servicepact.cli
from servicepact.cli.main import COMMAND_MODULES, _module_commands, app

NOT_COMMAND_MODULES = {"main", "errors"}


def _command_modules() -> set[str]:
    names = {m.name for m in pkgutil.iter_modules(servicepact.cli.__path__)}
    return {n for n in names if not n.startswith("_") and n not in NOT_COMMAND_MODULES}


def test_every_command_module_is_in_the_map_and_every_mapped_command_exists():
    mapped_modules = set(COMMAND_MODULES.values())
    assert _command_modules() <= mapped_modules, "a CLI module is missing from COMMAND_MODULES"
    for module in mapped_modules:
        registered = set(_module_commands(module))
        mapped = {c for c, m in COMMAND_MODULES.items() if m == module}
        assert registered == mapped, f"cli/{module}.py registers {registered}, map says {mapped}"


def test_help_lists_every_command():
    result = CliRunner().invoke(app, ["--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    for command in COMMAND_MODULES:
        assert command in result.output


def test_an_unknown_command_is_a_usage_error():
    result = CliRunner().invoke(app, ["no-such-command"])
    assert result.exit_code == 2
