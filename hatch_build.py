"""Hatch build hook: a standard (non-editable) wheel carries the dbt project as udbredelse/dbt_project.

`udbredelse build` runs dbt on the project that `Settings.dbt_project_dir` names: dbt/ in a checkout
(and an editable install), udbredelse/dbt_project/ in an installed wheel. dbt's own output folders
(target/, logs/, dbt_packages/) are left out.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

SKIP = {"target", "logs", "dbt_packages", "__pycache__"}


class CustomBuildHook(BuildHookInterface):
    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel" or version != "standard":
            return
        project = Path(self.root) / "dbt"
        for path in sorted(project.rglob("*")):
            relative = path.relative_to(project)
            if path.is_file() and not SKIP & set(relative.parts) and path.suffix != ".pyc":
                build_data["force_include"][str(path)] = f"udbredelse/dbt_project/{relative.as_posix()}"
