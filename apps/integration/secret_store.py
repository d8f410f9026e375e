"""Where raw secrets live: an encrypted database table (default) or HashiCorp Vault KV v2."""
import base64
import hashlib
import json
from functools import cache

from cryptography.fernet import Fernet
from django.conf import settings
from django.utils import timezone


class DatabaseSecretStore:
    def __init__(self, key: str):
        self.fernet = Fernet(key)

    def put(self, path: str, data: dict) -> None:
        from .models import StoredSecret

        token = self.fernet.encrypt(json.dumps(data).encode())
        StoredSecret.objects.update_or_create(path=path, defaults={"ciphertext": token, "updated_at": timezone.now()})

    def get(self, path: str) -> dict | None:
        from .models import StoredSecret

        row = StoredSecret.objects.filter(path=path).first()
        return json.loads(self.fernet.decrypt(bytes(row.ciphertext))) if row else None

    def delete(self, path: str) -> None:
        from .models import StoredSecret

        StoredSecret.objects.filter(path=path).delete()


class VaultSecretStore:
    def __init__(self, *, url: str, token: str, mount: str):
        import hvac

        self.client = hvac.Client(url=url, token=token)
        self.mount = mount

    def put(self, path: str, data: dict) -> None:
        self.client.secrets.kv.v2.create_or_update_secret(path=path, secret=data, mount_point=self.mount)

    def get(self, path: str) -> dict | None:
        import hvac

        try:
            return self.client.secrets.kv.v2.read_secret_version(path=path, mount_point=self.mount,
                                                                 raise_on_deleted_version=True)["data"]["data"]
        except hvac.exceptions.InvalidPath:
            return None

    def delete(self, path: str) -> None:
        self.client.secrets.kv.v2.delete_metadata_and_all_versions(path=path, mount_point=self.mount)


def _fernet_key() -> str:
    if settings.SECRET_STORE_KEY:
        return settings.SECRET_STORE_KEY
    return base64.urlsafe_b64encode(hashlib.sha256(f"secret-store:{settings.SECRET_KEY}".encode()).digest()).decode()


@cache
def _store(kind: str, fernet_key: str, vault_addr: str):
    if kind == "vault":
        return VaultSecretStore(url=vault_addr, token=settings.VAULT_TOKEN, mount=settings.VAULT_MOUNT)
    return DatabaseSecretStore(fernet_key)


def secret_store():
    return _store(settings.SECRET_STORE, _fernet_key(), settings.VAULT_ADDR)


def secret_path(tenant_id: str, kind: str, record_id: str, name: str) -> str:
    return f"tenants/{tenant_id}/{kind}/{record_id}/{name}"
