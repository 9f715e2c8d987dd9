"""The ``rankings`` command group: every command registered in one place.

Commands live one module per job in this package; each module lists its commands in
``COMMANDS``. The exact and sampled analyses get ``--manifest`` here (the others declare
it themselves with :func:`~rankings.cli.manifest.replayable`).
"""

from __future__ import annotations

import click

from rankings.cli import confidence, data, exact, explore, gap, methods, rank, report, sensitivity, ternary
from rankings.cli.common import _Group
from rankings.cli.manifest import add_manifest, replay_command


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="rankings", message="rankings %(version)s")
@click.option("--wide", is_flag=True, default=False,
              help="Tables at full width, whatever the terminal (default: fitted to COLUMNS or the terminal).")
@click.pass_context
def main(ctx: click.Context, wide: bool) -> None:
    """Explore how a league table of AI contributors depends on its methodology.

    \b
    Start here:
      rankings rank                      # AI Index method: notable models, 2025
      rankings compare                   # every built-in methodology side by side
      rankings rank --method equal-core --weights notable_models=1,frontier_eci=1
      rankings explain Alibaba --vs Google --method equal-core
    """
    ctx.meta["rankings.wide"] = wide


for _command in [*rank.COMMANDS, *methods.COMMANDS, *ternary.COMMANDS, replay_command, *data.COMMANDS,
                 *report.COMMANDS, *gap.COMMANDS, *explore.COMMANDS]:
    main.add_command(_command)
for _command in [*exact.COMMANDS, *sensitivity.COMMANDS, *confidence.COMMANDS]:
    main.add_command(add_manifest(_command))


if __name__ == "__main__":  # pragma: no cover
    main()
