"""The factory registry and what every factory shares: one tenant per row and its related rows.

A factory writes its row straight through the ORM (test data, not a service call), with the id the
model would give it (`<id_prefix>_<ULID>`), in the tenant it is given (`tenant_id=`, default
`acme`), or else in the tenant of the records it is given (`TicketCommentFactory(ticket=t)` is in
t's tenant). Related rows are made in the same tenant, and a record of another tenant is refused.
"""
from types import SimpleNamespace
from typing import ClassVar

import factory
from django.db import models, transaction
from factory.django import DjangoModelFactory

from apps.core.ids import new_id

DEFAULT_TENANT = "acme"
FACTORIES: dict[type[models.Model], type[DjangoModelFactory]] = {}


def register(factory_class: type[DjangoModelFactory]) -> type[DjangoModelFactory]:
    """Enter the factory in FACTORIES under its model (one factory per model)."""
    model = factory_class._meta.model
    if model in FACTORIES:
        raise ValueError(f"{model._meta.label} has two factories: {FACTORIES[model].__name__}, {factory_class.__name__}")
    FACTORIES[model] = factory_class
    return factory_class


def tenant_of(value) -> str | None:
    """The tenant a model instance belongs to (a Tenant is its own); None for rows of no tenant."""
    from apps.core.models import Tenant

    if isinstance(value, Tenant):
        return value.pk
    return getattr(value, "tenant_id", None)


def ensure_tenant(tenant_id: str) -> None:
    from .core import TenantFactory

    TenantFactory(id=tenant_id)


class InTenant(factory.SubFactory):
    """A related record made in the tenant of the row that holds it."""

    def __init__(self, factory_path, **defaults):
        defaults.setdefault("tenant_id", factory.SelfAttribute("..tenant_id"))
        super().__init__(factory_path, **defaults)


class RecordId(InTenant):
    """For fields that hold a record's id rather than a foreign key: the id of a record made in the
    row's tenant (`field__x=` sets the record's own fields)."""

    def evaluate(self, instance, step, extra):
        return super().evaluate(instance, step, extra).pk


class PersonId(RecordId):
    """A person field (`requester_id`, `assigned_to_id` …): a directory Person of the row's tenant."""

    def __init__(self, **defaults):
        super().__init__("tests.factories.directory.PersonFactory", **defaults)


class PersonIds(factory.declarations.BaseDeclaration):
    """A list of person ids (`approver_ids`): `count` directory People of the row's tenant."""

    def __init__(self, count: int = 1):
        super().__init__()
        self.count = count

    def evaluate(self, instance, step, extra):
        from .directory import PersonFactory

        return [step.recurse(PersonFactory, {"tenant_id": instance.tenant_id}).pk for _ in range(self.count)]


class ProjectFactory(DjangoModelFactory):
    """Base of every factory of a project model."""

    # The keyword naming the row's tenant: a `tenant_id` field or parameter, a `tenant` foreign key, or None.
    _tenant_key: ClassVar[str | None] = "tenant_id"
    # Declared values set on the instance after it is made, not model fields (e.g. a raw key shown once).
    _instance_attributes: ClassVar[tuple[str, ...]] = ()

    class Meta:
        abstract = True

    @classmethod
    def _generate(cls, strategy, params):
        return super()._generate(strategy, cls._tenant_params(params))

    @classmethod
    def _tenant_params(cls, params: dict) -> dict:
        params = dict(params)
        if cls._tenant_key == "tenant":
            if "tenant_id" in params and "tenant" not in params:
                params["tenant__id"] = params.pop("tenant_id")
            return params
        if cls._tenant_key is None or "tenant_id" in params:
            return params
        given = {tenant_of(v) for v in _records(params.values())} - {None}
        if len(given) > 1:
            raise ValueError(f"{cls.__name__}: the records given belong to several tenants: {sorted(given)}")
        if given:
            params["tenant_id"] = given.pop()
        return params

    @classmethod
    def _adjust_kwargs(cls, **kwargs):
        own = tenant_of(kwargs["tenant"]) if cls._tenant_key == "tenant" else kwargs.get(cls._tenant_key or "")
        if own is not None:
            for name, value in kwargs.items():
                for record in _records([value]):
                    theirs = tenant_of(record)
                    if name != "tenant" and theirs is not None and theirs != own:
                        raise ValueError(f"{cls.__name__}: {name} belongs to tenant {theirs!r}, the row to {own!r}")
        return kwargs

    @classmethod
    def _build(cls, model_class, *args, **kwargs):
        extra = cls._pop_instance_attributes(kwargs)
        obj = super()._build(model_class, *args, **kwargs)
        obj.__dict__.update(extra)
        return obj

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        if isinstance(kwargs.get("tenant_id"), str) and cls._tenant_key == "tenant_id":
            ensure_tenant(kwargs["tenant_id"])
        extra = cls._pop_instance_attributes(kwargs)
        with transaction.atomic():
            obj = model_class(*args, **kwargs)
            obj.__dict__.update(extra)
            cls._before_save(obj, given=kwargs)
            obj.save(force_insert=True)
            cls._after_save(obj)
        return obj

    @classmethod
    def _pop_instance_attributes(cls, kwargs: dict) -> dict:
        return {name: kwargs.pop(name) for name in cls._instance_attributes if name in kwargs}

    @classmethod
    def _before_save(cls, obj, *, given: dict) -> None:
        """Fill what the model's own service would (a number, secrets) before the INSERT."""

    @classmethod
    def _after_save(cls, obj) -> None:
        """Keep related rows consistent with the new one."""


class TenantRecordFactory(ProjectFactory):
    """Rows of a TenantModel: tenant, the model's id, and the creator's stamps (None: the system)."""

    tenant_id = DEFAULT_TENANT
    created_by = None
    updated_by = factory.SelfAttribute("created_by")

    class Meta:
        abstract = True

    @classmethod
    def _adjust_kwargs(cls, **kwargs):
        kwargs = super()._adjust_kwargs(**kwargs)
        kwargs.setdefault("id", new_id(cls._meta.model.id_prefix))  # as TenantModel.save names it; built rows too
        return kwargs

    @classmethod
    def _before_save(cls, obj, *, given: dict) -> None:
        if obj.created_by:  # the history row names who made it, as a service's does
            obj._history_user = SimpleNamespace(person_id=obj.created_by, pk=obj.created_by)


def _records(values):
    for value in values:
        if isinstance(value, models.Model):
            yield value
        elif isinstance(value, (list, tuple, set)):
            yield from (v for v in value if isinstance(v, models.Model))
