"""A staff member's saved changelist views: a name for a filter/search/ordering query string.

Not a record (no history, events or API): the admin's own per-person state, kept per tenant.
Owned by the person id the staff user acts as; shared ones are listed to every staff member of
the tenant. Written through `apps.core.saved_filter_services`.
"""
from django.db import models
from django.db.models import Q
from django.utils import timezone

from .ids import new_id

NAME_MAX = 80
QUERY_MAX = 1000


class SavedFilter(models.Model):
    id = models.CharField(primary_key=True, max_length=40, editable=False)
    tenant_id = models.CharField(max_length=64, editable=False)
    owner_id = models.CharField(max_length=64, editable=False, help_text="The person id of the staff user who saved it.")
    changelist = models.CharField(max_length=100, help_text="app_label.model_name of the admin list.")
    name = models.CharField(max_length=NAME_MAX)
    query = models.CharField(max_length=QUERY_MAX, blank=True, help_text="The list's query string, without '?'.")
    shared = models.BooleanField(default=False, help_text="Listed to every staff member of the tenant.")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ("name", "id")
        constraints = [models.UniqueConstraint(fields=["tenant_id", "owner_id", "changelist", "name"],
                                               name="uniq_saved_filter_name")]
        indexes = [models.Index(fields=["tenant_id", "changelist"], name="core_savedfilter_list")]

    def save(self, *args, **kwargs):
        if not self.id:
            self.id = new_id("svf")
        super().save(*args, **kwargs)

    def __str__(self) -> str:
        return self.name

    @classmethod
    def visible_to(cls, actor, changelist: str):
        """The actor's own filters of this list and the ones shared in their tenant."""
        return cls.objects.filter(Q(owner_id=actor.person_id) | Q(shared=True), tenant_id=actor.tenant_id,
                                  changelist=changelist)

    def may_delete(self, actor) -> bool:
        if self.tenant_id != actor.tenant_id:
            return False
        return self.owner_id == actor.person_id or (self.shared and "admin" in actor.roles)
