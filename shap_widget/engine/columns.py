"""Column names for DataFrame exports: one column per class, readable, and never two alike.

Class labels come from a model's config, which anyone can write: two classes may share a label, and a label
may read like another column ("x" beside "x se"). A DataFrame keyed by such names would silently drop a class.
"""

from __future__ import annotations

from typing import Sequence


def class_columns(labels: Sequence[str], fixed: Sequence[str],
                  kinds: Sequence[tuple[str, str]]) -> list[list[str]]:
    """The names of each kind of per-class column, one per class, placed after the `fixed` columns.

    kinds: per kind, a readable and an indexed template, formatted with the class's `label` and index `c`,
    such as ("{label} se", "se[{c}: {label}]"). The readable names are used when every column name is then
    distinct (the common case); otherwise every class column takes its indexed name, which starts with the
    kind and the class index and so cannot equal a fixed column or another class's column.
    """
    def named(which: int) -> list[list[str]]:
        return [[kind[which].format(label=str(label), c=c) for c, label in enumerate(labels)] for kind in kinds]

    readable = named(0)
    names = list(fixed) + [name for kind in readable for name in kind]
    return readable if len(set(names)) == len(names) else named(1)
