"""What access reviews do when another domain acts: the provisioning engine's confirmed removal of a
grant (`operations.access_request.revoked`, in its transaction) completes the review items that asked
for it. Connected once in ReviewsConfig.ready."""
from apps.operations.models import AccessRequest


def grant_revoked(sender, *, event, obj, action, actor, **kwargs) -> None:
    if sender is AccessRequest and action == "revoked":
        from .services import revoke_confirmed

        revoke_confirmed(obj, actor)


def wire() -> None:
    from apps.core.events import event_emitted
    from apps.files.records import AttachableType, register_attachable

    from .models import ReviewCampaign

    event_emitted.connect(grant_revoked, dispatch_uid="reviews.grant_revoked")
    # The evidence report is attached to the campaign; staff of access governance may add files to it.
    register_attachable(AttachableType(ReviewCampaign, attach_roles=("it",)))
