"""Who sees a file: whoever sees its record (each attachable model's own visibility declaration),
plus the uploader their own uploads. Built as one query: for each attachable type, the ids of the
records of that type the caller sees, as a subquery."""
from dataclasses import dataclass

from django.db.models import CharField, Q, QuerySet, Value
from django.db.models.functions import Cast, Concat

from apps.core.visibility import Visibility


@dataclass(frozen=True)
class RecordVisibility(Visibility):
    def sees_every_row(self, principal) -> bool:
        return principal.has_role()  # admins only: each other role sees the files of the records it sees

    def scope(self, queryset: QuerySet, principal) -> QuerySet:
        qs = queryset.filter(tenant_id=principal.tenant_id)
        if principal.app_id is not None:
            qs = qs.filter(app_id=principal.app_id)
        if self.sees_every_row(principal):
            return qs
        return qs.filter(self.records_q(principal) | Q(created_by=principal.person_id))

    @staticmethod
    def records_q(principal) -> Q:
        from .records import attachable_types

        q = Q(pk__in=[])
        for kind in attachable_types().values():
            rows = kind.visible_rows(principal)
            refs = (rows.annotate(ref=Concat(Value(f"{kind.ref_prefix}_"), Cast("pk", CharField()))).values("ref")
                    if kind.ref_prefix else rows.values("pk"))
            q |= Q(record_type=kind.label, record_id__in=refs)
        return q
