"""Routing rules: which approval chain a record gets, by conditions on the record (data, not code).

Conditions, all of which must hold (an empty one holds for every record):
- the record's type (`entity_type`);
- the risk of the catalog entitlement it asks for is one of `risk_in` (access requests);
- its amount (the model's `summary_format.amount`: an equipment's cost, a trip's estimated cost)
  is at least `amount_at_least`.
Active rules are tried by `position` (then age); the first that matches picks its chain, else the
record's type's default chain applies (apps/approvals/routing.py). An entitlement's own chain wins
over every rule.
"""
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from apps.core.allowed import OneOf
from apps.core.json_shapes import STRING_LIST
from apps.core.models import TenantModel, tracked_history
from apps.core.visibility import Visibility
from apps.integration.choices import Risk

from .outcomes import chain_entity_types, normalize, target_model


def amount_field(model) -> str:
    """The attribute holding a record's amount (its cost), or ''."""
    summary = getattr(model, "summary_format", None)
    return getattr(summary, "amount", "") or ""


class ApprovalRule(TenantModel):
    id_prefix = "apu"
    visibility = Visibility(sees_all=("approver",))
    json_shapes = {"risk_in": STRING_LIST}
    write_roles = ()

    name = models.CharField(max_length=200)
    position = models.PositiveIntegerField(default=100, help_text="Rules are tried lowest first; the first match wins.")
    entity_type = models.CharField(max_length=64, blank=True, default="", validators=[OneOf(chain_entity_types)],
                                   help_text="The kind of record it routes; empty: any.")
    risk_in = models.JSONField(default=list, blank=True, validators=[OneOf(Risk)], help_text=(
        "Matches access requests whose catalog entitlement has one of these risks; empty: any risk."))
    amount_at_least = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True,
                                          validators=[MinValueValidator(Decimal("0"))], help_text=(
        "Matches records whose amount (equipment cost, trip estimated cost) is at least this; empty: any."))
    chain = models.ForeignKey("approvals.ApprovalChain", on_delete=models.PROTECT, related_name="rules",
                              help_text="The chain a matching record gets.")
    is_active = models.BooleanField(default=True)

    history = tracked_history()

    class Meta:
        verbose_name = "routing rule"
        ordering = ("position", "id")
        indexes = [models.Index(fields=["tenant_id", "is_active", "position"], name="apu_tenant_order"),
                   # the admin list's order (its ordering, with the tenant first)
                   models.Index(fields=["tenant_id", "position", "id"], condition=Q(is_deleted=False), name="apu_tenant_list")]

    def __str__(self) -> str:
        return f"{self.position}. {self.name}"

    def conditions(self) -> str:
        """The rule read aloud: 'Access request, risk high or critical'."""
        parts = []
        if self.entity_type:
            model = target_model(self.entity_type)
            parts.append(str(model._meta.verbose_name).capitalize() if model else self.entity_type)
        if self.risk_in:
            parts.append(f"risk {' or '.join(self.risk_in)}")
        if self.amount_at_least is not None:
            parts.append(f"amount ≥ {self.amount_at_least}")
        return ", ".join(parts) or "every record"

    def clean(self):
        errors = {}
        model = target_model(self.entity_type) if self.entity_type else None
        if self.chain_id and self.entity_type and normalize(self.chain.entity_type) != normalize(self.entity_type):
            errors["chain"] = f"This chain is for {self.chain.entity_type}; the rule routes {self.entity_type}."
        if self.risk_in and model is not None and not any(f.name == "entitlement" for f in model._meta.fields):
            errors["risk_in"] = f"{self.entity_type} names no catalog entitlement, so it has no risk."
        if self.amount_at_least is not None and model is not None and not amount_field(model):
            errors["amount_at_least"] = f"{self.entity_type} has no amount."
        if errors:
            raise ValidationError(errors)
