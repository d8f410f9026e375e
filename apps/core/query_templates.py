"""Compiled reads: the SQL of an API read is compiled once per shape; later requests bind values.

Building a queryset (visibility, filters, cursor, slice) and compiling it to SQL is a large share
of a read by id or a list page. What the SQL looks like depends on few things: the
model, the caller's `Visibility.shape()`, which enum filters the query
names, the page size. So the base viewset builds the queryset once per shape with placeholder
values ("slots"), keeps the compiled SQL, and later requests only bind their own values.

Anything a template cannot express — a build that queries the database, a placeholder that is
transformed on its way into the SQL, select_related/prefetch, annotations, a non-zero offset —
marks the shape as not templatable, and those requests take the ordinary ORM path.
Queries still go through Django's cursor (query logging, execute wrappers, query counts).
"""
import re
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db import connections
from django.db.models import QuerySet
from django.db.models.query import ModelIterable

MARK = "\x1f"
SLOT = re.compile(MARK + r"slot:([A-Za-z0-9_]+)" + MARK)
MAX_TEMPLATES = 4096

Build = Callable[[Callable[[str], str]], QuerySet]


def enabled() -> bool:
    return getattr(settings, "API_QUERY_TEMPLATES", True)


def slot(name: str) -> str:
    return f"{MARK}slot:{name}{MARK}"


class NotTemplatable(Exception):
    pass


@dataclass(frozen=True)
class Template:
    sql: str
    params: tuple  # ("slot", name) or ("value", constant), in placeholder order
    init_list: tuple[str, ...]
    compiler: object  # kept for its converters (JSONField, SQLite datetimes …)
    converters: dict
    model: type

    def fetch(self, using: str, values: dict) -> list:
        params = [values[x] if kind == "slot" else x for kind, x in self.params]
        with connections[using].cursor() as cursor:
            cursor.execute(self.sql, params)
            rows = cursor.fetchall()
        if self.converters:
            rows = self.compiler.apply_converters(rows, self.converters)
        from_db, init_list = self.model.from_db, self.init_list
        return [from_db(using, init_list, row) for row in rows]


_templates: dict = {}


def template_for(key, using: str, build: Build) -> Template | None:
    """The template of this shape, compiled on first use; None when the shape is not templatable."""
    key = (using, key)
    try:
        return _templates[key]
    except KeyError:
        pass
    try:
        template = _compile(using, build)
    except NotTemplatable:
        template = None
    if len(_templates) >= MAX_TEMPLATES:  # shapes are few; this only bounds a pathological caller
        _templates.clear()
    _templates[key] = template
    return template


def _refuse_queries(execute, sql, params, many, context):
    raise NotTemplatable("the build ran a query; its result would be baked into the template")


def _compile(using: str, build: Build) -> Template:
    connection = connections[using]
    with connection.execute_wrapper(_refuse_queries):
        qs = build(slot)
        query = qs.query
        if (qs._iterable_class is not ModelIterable or qs._prefetch_related_lookups or query.select_related
                or query.deferred_loading[0] or query.annotation_select or query.extra_select
                or query.combinator or query.low_mark):
            raise NotTemplatable("the queryset needs more than one model's columns")
        compiler = query.get_compiler(using=using)
        try:
            sql, params = compiler.as_sql()
        except (EmptyResultSet, FullResultSet) as exc:
            raise NotTemplatable("the query has no SQL of its own") from exc
    select, klass_info = compiler.select, compiler.klass_info
    fields = klass_info["select_fields"] if klass_info else []
    if not fields or fields[0] != 0 or fields[-1] + 1 != len(select) or klass_info.get("related_klass_infos"):
        raise NotTemplatable("the select list is not exactly the model's columns")
    bound = []
    for value in params:
        found = SLOT.fullmatch(value) if isinstance(value, str) else None
        if found:
            bound.append(("slot", found.group(1)))
        elif isinstance(value, str) and MARK in value:
            raise NotTemplatable("a slot was transformed (e.g. wrapped for LIKE)")
        else:
            bound.append(("value", value))
    if MARK in sql:
        raise NotTemplatable("a slot was inlined into the SQL")
    return Template(
        sql=sql, params=tuple(bound), init_list=tuple(col.target.attname for col, _, _ in select),
        compiler=compiler, converters=compiler.get_converters([col for col, _, _ in select]),
        model=klass_info["model"],
    )


class TemplatedQuerySet:
    """What a list's paginator sees instead of a queryset: it records `order_by`, `filter(**kwargs)`
    and a slice, then runs the template of that shape. Anything else — or a shape that is not
    templatable — realizes the ordinary queryset and carries on with it."""

    def __init__(self, *, model, key, values: dict, build: Build, using: str, ops: tuple = ()):
        self.model, self._key, self._values, self._build, self._using, self._ops = model, key, values, build, using, ops

    def _with(self, op, values=None) -> "TemplatedQuerySet":
        return TemplatedQuerySet(model=self.model, key=self._key, values={**self._values, **(values or {})},
                                 build=self._build, using=self._using, ops=self._ops + (op,))

    def order_by(self, *fields):
        if not all(isinstance(f, str) for f in fields):
            return self._realize().order_by(*fields)
        return self._with(("order_by", fields))

    def filter(self, *args, **kwargs):
        if args or not all(isinstance(v, str) for v in kwargs.values()):
            return self._realize().filter(*args, **kwargs)
        names = {k: f"f{len(self._ops)}_{i}" for i, k in enumerate(sorted(kwargs))}
        return self._with(("filter", tuple(names.items())), {names[k]: v for k, v in kwargs.items()})

    def __getitem__(self, k):
        if isinstance(k, slice) and k.step is None and not k.start and isinstance(k.stop, int) and k.stop > 0:
            return self._with(("limit", k.stop))
        return self._realize()[k]

    def __iter__(self):
        return iter(self._fetch())

    def __len__(self):
        return len(self._fetch())

    def __getattr__(self, name):  # any other queryset API: the real thing
        return getattr(self._realize(), name)

    def _apply(self, qs, value_of):
        for op in self._ops:
            if op[0] == "order_by":
                qs = qs.order_by(*op[1])
            elif op[0] == "filter":
                qs = qs.filter(**{lookup: value_of(name) for lookup, name in op[1]})
            else:
                qs = qs[: op[1]]
        return qs

    def _realize(self) -> QuerySet:
        return self._apply(self._build(lambda name: self._values[name]), lambda name: self._values[name])

    def _fetch(self) -> list:
        if "_result" not in self.__dict__:
            build = self._build
            template = template_for(self._key + (self._ops,), self._using, lambda s: self._apply(build(s), s))
            self._result = template.fetch(self._using, self._values) if template else list(self._realize())
        return self._result
