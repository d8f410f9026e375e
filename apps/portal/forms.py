"""One form per kind of request, written for people: what they want, in their words, with help and
sensible defaults. Each builds the data the API's create takes; the same service files it."""
from datetime import datetime, time, timedelta

from django import forms
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.helpdesk.choices import Priority, TicketType
from apps.integration.catalog_models import Entitlement
from apps.operations.choices import (
    AccessStatus, AccessType, DeliverableType, HRRequestType, PrincipalType, ProvisioningOp,
)
from apps.operations.models import AccessRequest, held_by

# A removal still on its way: waiting for approval, approved, or with the connector.
OPEN_REMOVAL = (AccessStatus.PENDING, AccessStatus.APPROVED, AccessStatus.PROVISIONING, AccessStatus.PROVISIONING_FAILED)


class EntitlementChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        limit = _(" (up to %(days)s days)") % {"days": obj.max_duration_days} if obj.max_duration_days else ""
        return f"{obj.system.name} · {obj.name}{limit}"


class AccessForm(forms.Form):
    entitlement = EntitlementChoice(
        queryset=Entitlement.objects.none(), label=_("What do you need access to?"),
        empty_label=_("Choose a system and a role"),
        help_text=_("The systems and roles your organisation offers. Ask the service desk if yours is missing."))
    duration_days = forms.IntegerField(
        label=_("For how many days?"), min_value=1, required=False,
        help_text=_("Leave empty for the usual length. Some access has a limit, shown next to its name."))
    justification = forms.CharField(
        label=_("Why do you need it?"), widget=forms.Textarea(attrs={"rows": 4}), max_length=4000,
        help_text=_("Your approvers read this: the project or task, and what you will do with the access."))

    def __init__(self, *args, tenant_id: str, **kwargs):
        super().__init__(*args, **kwargs)
        # The tenant's requestable catalog only: an id from elsewhere is "not one of the choices".
        self.fields["entitlement"].queryset = (Entitlement.objects.filter(
            tenant_id=tenant_id, is_requestable=True, system__is_active=True, system__is_deleted=False)
            .select_related("system").order_by("system__name", "name"))

    def clean(self):
        data = super().clean()
        entitlement, days = data.get("entitlement"), data.get("duration_days")
        if entitlement is not None:
            days = days or entitlement.default_duration_days
            if days and entitlement.max_duration_days and days > entitlement.max_duration_days:
                self.add_error("duration_days", _("%(name)s is granted for at most %(days)s days.") % {
                    "name": entitlement.name, "days": entitlement.max_duration_days})
            data["duration_days"] = days
        return data

    def record_data(self) -> dict:
        entitlement, days = self.cleaned_data["entitlement"], self.cleaned_data.get("duration_days")
        return {"entitlement": entitlement, "system_id": entitlement.system_id, "asset_id": entitlement.system_id,
                "entitlement_type": entitlement.name, "access_type": AccessType.NEW,
                "justification": self.cleaned_data["justification"],
                "expires_at": timezone.now() + timedelta(days=days) if days else None}


EQUIPMENT = [("Laptop", _("Laptop")), ("Monitor", _("Monitor")), ("Phone", _("Phone")),
             ("Headset", _("Headset")), ("Keyboard and mouse", _("Keyboard and mouse")), ("Other", _("Something else"))]


class EquipmentForm(forms.Form):
    equipment_type = forms.ChoiceField(label=_("What do you need?"), choices=EQUIPMENT)
    specification = forms.CharField(
        label=_("Tell us more"), widget=forms.Textarea(attrs={"rows": 4}), max_length=4000,
        help_text=_("Model or size if it matters, what it replaces, where it should be delivered."))

    def record_data(self) -> dict:
        return dict(self.cleaned_data)


class TripForm(forms.Form):
    destination = forms.CharField(label=_("Where are you going?"), max_length=200,
                                  help_text=_("City and country, e.g. Lisbon, Portugal."))
    departure = forms.DateField(label=_("Leaving on"), widget=forms.DateInput(attrs={"type": "date"}))
    back = forms.DateField(label=_("Back on"), widget=forms.DateInput(attrs={"type": "date"}))
    purpose = forms.CharField(label=_("Why are you going?"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000,
                              help_text=_("The customer, event or team you will meet."))
    estimated_cost = forms.DecimalField(label=_("Estimated cost"), required=False, min_value=0, max_digits=12,
                                        decimal_places=2, help_text=_("Travel and hotel together, if you know it."))

    def clean(self):
        data = super().clean()
        departure, back = data.get("departure"), data.get("back")
        if departure and departure < timezone.localdate():
            self.add_error("departure", _("The trip cannot start in the past."))
        if departure and back and back < departure:
            self.add_error("back", _("You come back after you leave: pick a later date."))
        return data

    def record_data(self) -> dict:
        data = self.cleaned_data
        zone = timezone.get_current_timezone()
        return {"destination": data["destination"], "purpose": data["purpose"],
                "estimated_cost": data.get("estimated_cost"),
                "departure_at": datetime.combine(data["departure"], time(8), zone),
                "return_at": datetime.combine(data["back"], time(20), zone)}


LETTERS = [(HRRequestType.EMPLOYMENT_LETTER, _("Employment letter")),
           (HRRequestType.CERTIFICATE, _("Certificate")),
           (HRRequestType.VERIFICATION, _("Employment verification")),
           (HRRequestType.DOCUMENT, _("Another document")), (HRRequestType.OTHER, _("Something else"))]


class LetterForm(forms.Form):
    type = forms.ChoiceField(label=_("What do you need from HR?"), choices=LETTERS)
    description = forms.CharField(
        label=_("Details"), widget=forms.Textarea(attrs={"rows": 4}), max_length=4000,
        help_text=_("Who it is for (a bank, a landlord, a visa office) and anything it must say."))
    deliverable_type = forms.ChoiceField(
        label=_("How should you receive it?"), initial=DeliverableType.DIGITAL, widget=forms.RadioSelect,
        choices=[(DeliverableType.DIGITAL, _("A download link")), (DeliverableType.PHYSICAL, _("On paper"))])

    def record_data(self) -> dict:
        return dict(self.cleaned_data)


class TicketForm(forms.Form):
    title = forms.CharField(label=_("What is the problem?"), max_length=300,
                            help_text=_("One line, e.g. “VPN disconnects every hour”."))
    description = forms.CharField(label=_("Describe it"), widget=forms.Textarea(attrs={"rows": 5}), max_length=8000,
                                  help_text=_("What you tried, what you expected, any error message."))
    type = forms.ChoiceField(label=_("Is something broken, or do you need something?"), widget=forms.RadioSelect,
                             initial=TicketType.INCIDENT,
                             choices=[(TicketType.INCIDENT, _("Something is broken")),
                                      (TicketType.SERVICE_REQUEST, _("I need something"))])
    priority = forms.ChoiceField(label=_("How urgent is it?"), initial=Priority.MEDIUM,
                                 choices=[(Priority.LOW, _("It can wait")), (Priority.MEDIUM, _("Normal")),
                                          (Priority.HIGH, _("It stops my work"))])

    def record_data(self) -> dict:
        return dict(self.cleaned_data)


class GrantChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        until = _(" (until %(date)s)") % {"date": f"{obj.expires_at:%d %b %Y}"} if obj.expires_at else ""
        return f"{obj.system_name} · {obj.grant}{until}"


class RevokeForm(forms.Form):
    """Give up access one holds: a revoke request for the grant, which its system's connector carries
    out once approved (the grant ends when the target confirms the removal)."""

    grant = GrantChoice(queryset=AccessRequest.objects.none(), label=_("Which access do you no longer need?"),
                        empty_label=_("Choose the access to give up"),
                        help_text=_("Access you hold from the catalog. Its system removes it once approved."))
    justification = forms.CharField(
        label=_("Why?"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000, required=False,
        help_text=_("For example: I moved to another team. Your approvers read this."))

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.person_id = actor.person_id
        self.fields["grant"].queryset = removable_grants(actor)

    def record_data(self) -> dict:
        grant = self.cleaned_data["grant"]
        return {"entitlement": grant.entitlement, "system_id": grant.system_id, "entitlement_type": grant.entitlement_type,
                "access_type": AccessType.REVOKE, "principal_id": self.person_id, "principal_type": PrincipalType.PERSON,
                "justification": self.cleaned_data["justification"] or str(_("I no longer need this access."))}


def removal_pending(person_id: str):
    """Exists(): an open revoke request of the person for the outer grant's entitlement."""
    return Exists(AccessRequest.objects.filter(
        tenant_id=OuterRef("tenant_id"), entitlement_id=OuterRef("entitlement_id"), principal_id=person_id,
        access_type=AccessType.REVOKE, status__in=OPEN_REMOVAL))


def removable_grants(actor):
    """The catalog grants the person holds that no removal is under way for."""
    return (AccessRequest.objects.filter(held_by(actor.person_id), tenant_id=actor.tenant_id,
                                         status=AccessStatus.PROVISIONED, entitlement__isnull=False)
            .exclude(access_type=AccessType.REVOKE).exclude(provisioning_op=ProvisioningOp.REVOKE)
            .exclude(removal_pending(actor.person_id))
            .select_related("entitlement__system").order_by("entitlement__system__name", "entitlement__name", "id"))


class ReplyForm(forms.Form):
    body = forms.CharField(label=_("Your reply"), widget=forms.Textarea(attrs={"rows": 4}), max_length=8000)


ASK_FORMS = {"access": AccessForm, "equipment": EquipmentForm, "travel": TripForm, "hr": LetterForm,
             "ticket": TicketForm, "revoke": RevokeForm}
ASK_TITLES = {"access": _("Request access"), "equipment": _("Request equipment"), "travel": _("Plan a trip"),
              "hr": _("Ask HR for a letter"), "ticket": _("Get help"), "revoke": _("Give up access")}
ASK_BLURBS = {"access": _("A system or a role in one, for as long as you need it."),
              "equipment": _("A laptop, a screen, a headset…"),
              "travel": _("A business trip, approved before you book."),
              "hr": _("An employment letter, a certificate, a verification."),
              "ticket": _("Something broken, or a question for the service desk."),
              "revoke": _("Access you no longer need, removed from its system.")}
# The kind of record each form files (records.KINDS).
RECORD_KIND = {"revoke": "access"}
