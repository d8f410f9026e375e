"""A demo screenshot and a log file on the newest ticket of each tenant (idempotent)."""
import io

from apps.core.principal import Principal

from .models import Attachment
from .services import file_attach


def _screenshot() -> bytes:
    from PIL import Image, ImageDraw  # Pillow comes with WeasyPrint

    image = Image.new("RGB", (480, 270), (246, 248, 250))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 480, 28), fill=(37, 99, 235))
    draw.text((12, 8), "VPN client", fill=(255, 255, 255))
    draw.rectangle((40, 90, 440, 180), outline=(220, 38, 38), width=3)
    draw.text((60, 120), "Error 809: the connection was closed", fill=(153, 27, 27))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def seed(*, tenant, people: dict, actor: Principal) -> str:
    from apps.helpdesk.models import Ticket

    if Attachment.all_objects.filter(tenant_id=tenant.id).exists():
        return "already seeded"
    tickets = Ticket.objects.filter(tenant_id=tenant.id).order_by("-id")
    ticket = tickets.filter(title__icontains="vpn").first() or tickets.first()
    if ticket is None:
        return "no ticket to attach to"
    file_attach(actor=actor, record=ticket, filename="vpn-error.png", content=_screenshot())
    file_attach(actor=actor, record=ticket, filename="vpn-client.log",
                content=b"12:01:07 connecting to vpn.acme.invalid\n12:01:37 error 809: no answer\n")
    return "2 files"
