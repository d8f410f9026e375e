"""A real OpenLDAP `slapd` on a free 127.0.0.1 port from a temporary config directory, and a subtree of
people and groups in it: used by the LDAP tests (tests/integration/ldap/conftest.py) and the offboarding
bench (tests/bench/offboarding.py)."""
import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field

SLAPD = shutil.which("slapd") or "/usr/sbin/slapd"
SUFFIX = "dc=acme,dc=invalid"
ROOT_DN = f"cn=admin,{SUFFIX}"
ROOT_PASSWORD = "slapd-test-" + uuid.uuid4().hex[:12]

SLAPD_CONF = """\
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include /etc/ldap/schema/nis.schema
pidfile {dir}/slapd.pid
argsfile {dir}/slapd.args
modulepath /usr/lib/ldap
moduleload back_mdb
moduleload memberof
sizelimit unlimited
database mdb
maxsize 268435456
suffix "{suffix}"
rootdn "{rootdn}"
rootpw {password}
directory {dir}/data
index objectClass eq
index uid,member,uniqueMember,memberOf eq
overlay memberof
memberof-group-oc groupOfNames
memberof-member-ad member
memberof-memberof-ad memberOf
memberof-refint TRUE
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Slapd:
    url: str
    root_dn: str = ROOT_DN
    password: str = ROOT_PASSWORD
    process: subprocess.Popen | None = field(default=None, repr=False)

    def connection(self):
        import ldap3

        return ldap3.Connection(ldap3.Server(self.url, get_info=ldap3.NONE), user=self.root_dn, password=self.password,
                                auto_bind=True, raise_exceptions=True)

    def stop(self):
        """Down (a target that is down for the connector); `start` brings it back on the same port."""
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)

    def start(self, conf: str):
        self.process = subprocess.Popen([SLAPD, "-d", "0", "-h", self.url + "/", "-f", conf],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        port = int(self.url.rsplit(":", 1)[1])
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"slapd exited: {self.process.stderr.read().decode()[-2000:]}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("slapd did not start listening in 15 s")



@contextlib.contextmanager
def slapd_running() -> Iterator[Slapd]:
    """A fresh slapd with the suffix's root entry, stopped and removed on exit."""
    workdir = tempfile.mkdtemp(prefix="slapd-test-")
    os.makedirs(os.path.join(workdir, "data"))
    conf = os.path.join(workdir, "slapd.conf")
    with open(conf, "w") as f:
        f.write(SLAPD_CONF.format(dir=workdir, suffix=SUFFIX, rootdn=ROOT_DN, password=ROOT_PASSWORD))
    server = Slapd(url=f"ldap://127.0.0.1:{_free_port()}")
    server.conf = conf
    try:
        server.start(conf)
        with server.connection() as conn:
            conn.add(SUFFIX, ["dcObject", "organization"], {"o": "Acme", "dc": "acme"})
        yield server
    finally:
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)


@dataclass
class Tree:
    """One test's subtree: `ou=people` with users, `ou=groups` with groups of names."""
    server: Slapd
    base: str
    people: str
    groups: str

    def user_dn(self, uid: str) -> str:
        return f"uid={uid},{self.people}"

    def group_dn(self, cn: str) -> str:
        return f"cn={cn},{self.groups}"

    def add_user(self, uid: str, conn=None):
        own = conn is None
        conn = conn or self.server.connection()
        conn.add(self.user_dn(uid), ["inetOrgPerson"], {"cn": uid, "sn": uid, "uid": uid, "mail": f"{uid}@acme.invalid"})
        if own:
            conn.unbind()

    def add_group(self, cn: str, members=(), *, unique: bool = False):
        # A groupOfNames must have a member: the placeholder (the admin, outside the people OU) keeps it valid.
        dns = [ROOT_DN, *(self.user_dn(m) for m in members)]
        with self.server.connection() as conn:
            if unique:
                conn.add(self.group_dn(cn), ["groupOfUniqueNames"], {"cn": cn, "uniqueMember": dns})
            else:
                conn.add(self.group_dn(cn), ["groupOfNames"], {"cn": cn, "member": dns})
        return self.group_dn(cn)

    def members(self, cn: str, attribute: str = "member") -> set[str]:
        import ldap3

        with self.server.connection() as conn:
            conn.search(self.group_dn(cn), "(objectClass=*)", search_scope=ldap3.BASE, attributes=[attribute])
            return {str(v) for v in conn.entries[0].entry_attributes_as_dict.get(attribute, [])}

    def config(self, **overrides) -> dict:
        return {"url": self.server.url, "bind_dn": ROOT_DN, "user_base_dn": self.people,
                "user_attribute": "uid", "member_attribute": "member", **overrides}

    def secrets(self) -> dict:
        return {"bind_password": self.server.password}


def new_tree(server: Slapd) -> Tree:
    """An empty `ou=t<random>` subtree with its people and groups OUs."""
    base = f"ou=t{uuid.uuid4().hex[:10]},{SUFFIX}"
    tree = Tree(server=server, base=base, people=f"ou=people,{base}", groups=f"ou=groups,{base}")
    with server.connection() as conn:
        conn.add(base, ["organizationalUnit"], {"ou": base.split(",")[0][3:]})
        conn.add(tree.people, ["organizationalUnit"], {"ou": "people"})
        conn.add(tree.groups, ["organizationalUnit"], {"ou": "groups"})
    return tree
