"""Client TLS for Redis, MySQL, Temporal and the war room, from one `tls_config` block.

`client_context` builds the `ssl.SSLContext` that Redis and MySQL connections use; its
files are looked at again at every new connection and read again when they changed, so
a rotated certificate is picked up without a restart. `grpc_credentials` gives the same for gRPC. A file that cannot be
used raises `TlsSetupError`, and a handshake that fails is turned into one plain
sentence by `tls_sentence` ("certificate signed by unknown authority", ...), never a
traceback. Nothing here reads or shows a private key's contents.
"""

from __future__ import annotations

import os
import ssl
import threading
from typing import TYPE_CHECKING, Any

from console.text import clean

if TYPE_CHECKING:
    from console.config import TlsConfig

UNKNOWN_AUTHORITY = "certificate signed by unknown authority"
CLOSED = "TLS handshake failed: the server closed the connection"


class TlsSetupError(Exception):
    """A `tls_config` file that cannot be used, with a sentence fit for the screen."""


class _Context(ssl.SSLContext):
    """An SSLContext that checks the certificate against `server_name` when one is set,
    whatever host name the client library passes."""

    server_name: str | None = None

    def wrap_socket(self, sock: Any, *args: Any, **kwargs: Any) -> Any:
        if self.server_name and self.check_hostname:
            kwargs["server_hostname"] = self.server_name
        return super().wrap_socket(sock, *args, **kwargs)


def _no_passphrase() -> bytes:
    # without a callback OpenSSL would prompt on the terminal, under the TUI
    raise TlsSetupError("tls_config.key_file is encrypted; give an unencrypted key")


_contexts_lock = threading.Lock()
#: per tls_config: the stamps of its files when its context was built, and the context
_contexts: dict[tuple[Any, ...] | None, tuple[tuple[Any, ...], ssl.SSLContext]] = {}


def client_context(tls: TlsConfig | None) -> ssl.SSLContext:
    """A client SSLContext: the config's CA (or the system's), client certificate and
    server name; TLS 1.2 at least. Raises TlsSetupError for a file it cannot use.

    Built once per tls_config and again when one of its files changes (modified,
    replaced, or its permissions changed), so a rotated certificate is used from the
    next connection on: building one costs 30-45 ms of CPU (the CAs are parsed), and
    MySQL opens a connection at every refresh, a refused one included (issue 13)."""
    key = (
        None
        if tls is None
        else (
            tls.ca_file,
            tls.cert_file,
            tls.key_file,
            tls.server_name,
            tls.insecure_skip_verify,
        )
    )
    stamps = _stamps(tls)
    if stamps is None:  # a file that cannot be looked at: building says which and why
        return _build_context(tls)
    with _contexts_lock:
        found = _contexts.get(key)
    if found is not None and found[0] == stamps:
        return found[1]
    context = _build_context(tls)
    with _contexts_lock:
        _contexts[key] = (stamps, context)
    return context


def _stamps(tls: TlsConfig | None) -> tuple[Any, ...] | None:
    """When each file a context reads was last changed, or None if one cannot be seen."""
    if tls is None:
        return ()
    files = [tls.cert_file, tls.key_file]
    if not tls.insecure_skip_verify:
        files.append(tls.ca_file)
    stamps = []
    for path in files:
        if not path:
            continue
        try:
            info = os.stat(_path(path))
        except OSError:
            return None
        stamps.append((path, info.st_mtime_ns, info.st_ctime_ns, info.st_size, info.st_ino))
    return tuple(stamps)


def _build_context(tls: TlsConfig | None) -> ssl.SSLContext:
    context = _Context(ssl.PROTOCOL_TLS_CLIENT)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    if tls is not None and tls.insecure_skip_verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    elif tls is not None and tls.ca_file:
        try:
            context.load_verify_locations(cafile=_path(tls.ca_file))
        except OSError as exc:
            raise TlsSetupError(_file_sentence("ca_file", tls.ca_file, exc)) from None
    else:
        context.load_default_certs()
    if tls is not None and (tls.cert_file or tls.key_file):
        if not tls.cert_file:
            raise TlsSetupError("tls_config.key_file is set without tls_config.cert_file")
        for key, path in (("cert_file", tls.cert_file), ("key_file", tls.key_file)):
            if path:
                _check_readable(key, path)
        try:
            context.load_cert_chain(
                _path(tls.cert_file), _path(tls.key_file) if tls.key_file else None, _no_passphrase
            )
        except ssl.SSLError as exc:
            if "KEY_VALUES_MISMATCH" in str(exc):
                raise TlsSetupError(
                    "tls_config.key_file is not the key of tls_config.cert_file"
                ) from None
            raise TlsSetupError(
                "tls_config.cert_file and key_file are not a PEM certificate and its key"
            ) from None
        except OSError as exc:
            raise TlsSetupError(_file_sentence("cert_file", tls.cert_file, exc)) from None
    if tls is not None and tls.server_name:
        context.server_name = tls.server_name
    return context


def _path(path: str) -> str:
    return os.path.expanduser(os.path.expandvars(path))


def _check_readable(key: str, path: str) -> None:
    try:
        with open(_path(path), "rb"):
            pass
    except OSError as exc:
        raise TlsSetupError(_file_sentence(key, path, exc)) from None


def _file_sentence(key: str, path: str, exc: OSError) -> str:
    if isinstance(exc, ssl.SSLError):
        return f"tls_config.{key} {clean(path, 200)} holds no PEM certificate"
    reason = exc.strerror or type(exc).__name__
    return f"cannot read tls_config.{key} {clean(path, 200)}: {reason.lower()}"


def read_pem(path: str | None, key: str) -> bytes | None:
    """The bytes of a PEM file named by `tls_config.<key>` (None when not set)."""
    if not path:
        return None
    try:
        with open(_path(path), "rb") as handle:
            data = handle.read(1024 * 1024)
    except OSError as exc:
        raise TlsSetupError(_file_sentence(key, path, exc)) from None
    if b"-----BEGIN" not in data:
        raise TlsSetupError(f"tls_config.{key} {clean(path, 200)} is not a PEM file")
    return data


def grpc_credentials(tls: TlsConfig) -> Any:
    """gRPC channel credentials for `tls` (CA, client certificate and key)."""
    import grpc

    if tls.insecure_skip_verify:
        raise TlsSetupError(
            "tls_config.insecure_skip_verify is not supported for gRPC; set ca_file instead"
        )
    if tls.key_file and not tls.cert_file:
        raise TlsSetupError("tls_config.key_file is set without tls_config.cert_file")
    if tls.cert_file and not tls.key_file:
        raise TlsSetupError("tls_config.cert_file is set without tls_config.key_file")
    return grpc.ssl_channel_credentials(
        root_certificates=read_pem(tls.ca_file, "ca_file"),
        private_key=read_pem(tls.key_file, "key_file"),
        certificate_chain=read_pem(tls.cert_file, "cert_file"),
    )


# What OpenSSL (and BoringSSL, inside gRPC) says, lower-cased, and the sentence for it.
# The first match wins, so the specific ones come first.
_SENTENCES: tuple[tuple[tuple[str, ...], str], ...] = (
    (
        (
            "unable to get local issuer",
            "self-signed certificate",
            "self signed certificate",
            "unable to verify the first certificate",
            "unable to get issuer certificate",
            "unable_to_get_issuer_cert",
            "unable to get certificate crl",
        ),
        UNKNOWN_AUTHORITY,
    ),
    (("certificate has expired", "certificate_expired"), "the server's certificate has expired"),
    (("certificate is not yet valid",), "the server's certificate is not valid yet"),
    (
        (
            "hostname mismatch",
            "ip address mismatch",
            "hostname_mismatch",
            "hostname verification",
            "peer name",
        ),
        "the server's certificate is not valid for this host name (set tls_config.server_name?)",
    ),
    (
        ("certificate required", "certificate_required"),
        "TLS handshake failed: the server wants a client certificate"
        " (tls_config.cert_file and key_file)",
    ),
    (
        ("unknown ca", "unknown_ca", "bad certificate", "bad_certificate"),
        "TLS handshake failed: the server does not accept the client certificate",
    ),
    (
        (
            "wrong version number",
            "wrong_version_number",
            "record layer failure",
            "packet length too long",
            "http request",
            "unknown protocol",
        ),
        "TLS handshake failed: the server does not speak TLS on this port",
    ),
    (
        ("unexpected eof", "eof occurred in violation", "unexpected_eof"),
        CLOSED,
    ),
    (("handshake failure", "handshake_failure"), "TLS handshake failed: the server refused it"),
    (("certificate verify failed", "certificate_verify_failed"), UNKNOWN_AUTHORITY),
)


def closed_sentence(tls: TlsConfig | None) -> str:
    """A server that closes the connection during (or right after) the handshake: with
    TLS 1.3 that is how a refused client certificate, or a missing one, looks."""
    if tls is not None and tls.cert_file:
        return f"{CLOSED} (does it accept the client certificate in tls_config.cert_file?)"
    return f"{CLOSED} (does it want a client certificate? tls_config.cert_file and key_file)"


def tls_text_sentence(text: str, tls: TlsConfig | None = None) -> str | None:
    """The plain sentence for a TLS failure named in `text`, or None if it names none."""
    low = text.lower()
    for needles, sentence in _SENTENCES:
        if any(needle in low for needle in needles):
            return closed_sentence(tls) if sentence == CLOSED else sentence
    if "ssl" in low and ("handshake" in low or "alert" in low or "routines" in low):
        return f"TLS handshake failed: {clean(text, 160)}"
    return None


def tls_sentence(exc: BaseException, tls: TlsConfig | None = None) -> str:
    """One plain sentence for a failed TLS handshake (or a TLS file that cannot be used)."""
    if isinstance(exc, TlsSetupError):
        return str(exc)
    if isinstance(exc, ssl.SSLCertVerificationError):
        code = exc.verify_code
        if code in (2, 18, 19, 20, 21):
            return UNKNOWN_AUTHORITY
        if code == 10:
            return "the server's certificate has expired"
        if code == 9:
            return "the server's certificate is not valid yet"
        if code in (62, 64):
            return (
                "the server's certificate is not valid for this host name"
                " (set tls_config.server_name?)"
            )
        return f"TLS handshake failed: {clean(exc.verify_message or exc, 160)}"
    found = tls_text_sentence(str(exc), tls)
    if found:
        return found
    if isinstance(exc, ssl.SSLError):
        reason = getattr(exc, "reason", None) or str(exc)
        return f"TLS handshake failed: {clean(str(reason).replace('_', ' ').lower(), 160)}"
    if isinstance(exc, ConnectionError):
        return closed_sentence(tls)
    return f"TLS handshake failed: {clean(exc, 160)}"
