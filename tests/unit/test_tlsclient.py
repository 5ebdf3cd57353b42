"""`tls_config` blocks: the config keys, the files they name, and the sentences a failed
handshake becomes (the handshakes themselves are in tests/integration/test_datastore_tls.py)."""

from __future__ import annotations

import ssl

import pytest

from console.config import ConfigError, parse_config
from console.sources.tlsclient import (
    UNKNOWN_AUTHORITY,
    TlsSetupError,
    client_context,
    grpc_credentials,
    tls_sentence,
    tls_text_sentence,
)

trustme = pytest.importorskip("trustme")


@pytest.fixture(scope="module")
def pems(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pems")
    ca = trustme.CA()
    client = ca.issue_cert("genesis-console@example.test")
    other = ca.issue_cert("someone-else@example.test")
    files = {
        "ca": ca.cert_pem,
        "cert": client.cert_chain_pems[0],
        "key": client.private_key_pem,
        "other_key": other.private_key_pem,
    }
    paths = {}
    for name, blob in files.items():
        paths[name] = folder / f"{name}.pem"
        blob.write_to_path(str(paths[name]))
    paths["not_pem"] = folder / "not.pem"
    paths["not_pem"].write_text("hello\n")
    return paths


def test_every_datastore_section_takes_a_tls_config_block():
    config = parse_config(
        "redis:\n"
        "  url: rediss://redis.internal:6380/0\n"
        "  password_env: MY_REDIS_PW\n"
        "  tls_config: {ca_file: /etc/ca.pem, cert_file: /c.pem, key_file: /k.pem}\n"
        "mysql:\n"
        "  tls_config: {ca_file: /etc/ca.pem}\n"
        "temporal:\n"
        "  address: temporal.internal:7233\n"
        "  tls_config: {ca_file: /etc/ca.pem, server_name: temporal.internal}\n"
        "warroom:\n"
        "  redis_url: rediss://redis.internal:6380/1\n"
        "  tls_config: {insecure_skip_verify: true}\n"
    )
    assert config.redis.password_env == "MY_REDIS_PW"
    assert config.redis.tls_config.cert_file == "/c.pem"
    assert config.mysql.tls_config.ca_file == "/etc/ca.pem"
    assert config.mysql.tls_config.cert_file is None
    assert config.temporal.tls_config.server_name == "temporal.internal"
    assert config.warroom.tls_config.insecure_skip_verify is True


def test_without_a_block_the_datastores_stay_plain():
    config = parse_config("")
    assert config.redis.tls_config is None
    assert config.mysql.tls_config is None
    assert config.temporal.tls_config is None
    assert config.warroom.tls_config is None
    assert config.redis.password_env == "GENESIS_REDIS_PASSWORD"


def test_an_unknown_tls_key_is_a_config_error_that_names_it():
    with pytest.raises(ConfigError) as caught:
        parse_config("mysql:\n  tls_config:\n    ca: /etc/ca.pem\n")
    assert caught.value.key == "mysql.tls_config.ca"
    assert caught.value.line == 3


def tls(**fields):
    return parse_config(f"redis: {{tls_config: {fields!r}}}".replace("'", '"')).redis.tls_config


def test_a_context_checks_certificates_and_host_names(pems):
    context = client_context(tls(ca_file=str(pems["ca"])))
    assert context.verify_mode is ssl.CERT_REQUIRED
    assert context.check_hostname is True
    assert context.minimum_version >= ssl.TLSVersion.TLSv1_2


def test_a_context_is_built_once_and_again_when_a_file_changes(pems, tmp_path):
    ca = tmp_path / "ca.pem"
    ca.write_bytes(pems["ca"].read_bytes())
    config = tls(ca_file=str(ca))
    first = client_context(config)
    assert client_context(tls(ca_file=str(ca))) is first  # not 30-45 ms a connection
    assert client_context(tls(ca_file=str(ca), server_name="db.internal")) is not first
    moved = tmp_path / "ca.pem.new"
    moved.write_bytes(pems["ca"].read_bytes())
    moved.replace(ca)  # a rotation: the same path, another file
    again = client_context(config)
    assert again is not first and client_context(config) is again
    ca.unlink()
    with pytest.raises(TlsSetupError) as caught:
        client_context(config)
    assert "no such file or directory" in str(caught.value)


def test_insecure_skip_verify_turns_checking_off():
    context = client_context(tls(insecure_skip_verify=True))
    assert context.verify_mode is ssl.CERT_NONE


def test_a_missing_ca_file_is_one_sentence_naming_key_and_file(tmp_path):
    path = tmp_path / "gone.pem"
    with pytest.raises(TlsSetupError) as caught:
        client_context(tls(ca_file=str(path)))
    assert str(caught.value) == f"cannot read tls_config.ca_file {path}: no such file or directory"


def test_a_ca_file_that_is_not_pem_says_so(pems):
    with pytest.raises(TlsSetupError) as caught:
        client_context(tls(ca_file=str(pems["not_pem"])))
    assert "tls_config.ca_file" in str(caught.value)
    assert "holds no PEM certificate" in str(caught.value)


def test_a_key_that_is_not_the_certificates_is_named(pems):
    with pytest.raises(TlsSetupError) as caught:
        client_context(tls(cert_file=str(pems["cert"]), key_file=str(pems["other_key"])))
    assert str(caught.value) == "tls_config.key_file is not the key of tls_config.cert_file"


def test_a_missing_key_file_is_named(pems, tmp_path):
    path = tmp_path / "gone.key"
    with pytest.raises(TlsSetupError) as caught:
        client_context(tls(cert_file=str(pems["cert"]), key_file=str(path)))
    assert str(caught.value).startswith(f"cannot read tls_config.key_file {path}")


def test_an_encrypted_key_is_refused_without_prompting_on_the_terminal(pems, tmp_path):
    from cryptography.hazmat.primitives import serialization

    key = serialization.load_pem_private_key(pems["key"].read_bytes(), password=None)
    locked = tmp_path / "locked.key"
    locked.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"passphrase"),
        )
    )
    # OpenSSL would read a passphrase from the terminal (under the TUI) without a callback
    with pytest.raises(TlsSetupError) as caught:
        client_context(tls(cert_file=str(pems["cert"]), key_file=str(locked)))
    assert "encrypted" in str(caught.value)


def test_a_key_without_a_certificate_is_refused_by_the_config(pems):
    # refused when the file is read (validate names it), before any connection is tried
    for section in ("redis", "mysql", "temporal", "warroom"):
        with pytest.raises(ConfigError, match=f"{section}.tls_config.*set both or neither"):
            parse_config(f'{section}: {{tls_config: {{key_file: "{pems["key"]}"}}}}')


def test_grpc_credentials_refuse_a_file_that_is_not_pem(pems):
    with pytest.raises(TlsSetupError, match="tls_config.ca_file .* is not a PEM file"):
        grpc_credentials(tls(ca_file=str(pems["not_pem"])))


@pytest.mark.parametrize(
    ("text", "sentence"),
    [
        (
            "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to get local"
            " issuer certificate (_ssl.c:1006)",
            UNKNOWN_AUTHORITY,
        ),
        (
            "Tls handshake failed (TSI_PROTOCOL_FAILURE): SSL_ERROR_SSL: error:1000007d:SSL"
            " routines:OPENSSL_internal:CERTIFICATE_VERIFY_FAILED: self signed certificate",
            UNKNOWN_AUTHORITY,
        ),
        (
            "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: certificate has"
            " expired (_ssl.c:1006)",
            "the server's certificate has expired",
        ),
        ("[SSL: WRONG_VERSION_NUMBER] wrong version number (_ssl.c:1006)", "does not speak TLS"),
        ("[SSL: TLSV13_ALERT_CERTIFICATE_REQUIRED] tlsv13 alert certificate required", "wants a"),
        ("Connection closed by server.", None),
    ],
)
def test_handshake_failures_become_plain_sentences(text, sentence):
    found = tls_text_sentence(text)
    if sentence is None:
        assert found is None
    else:
        assert found is not None and sentence in found
        assert "_ssl.c" not in found and "SSL_ERROR" not in found


def test_a_verify_error_is_read_by_its_code():
    exc = ssl.SSLCertVerificationError(1, "certificate verify failed")
    exc.verify_code = 19
    exc.verify_message = "self-signed certificate in certificate chain"
    assert tls_sentence(exc) == UNKNOWN_AUTHORITY
    exc.verify_code = 64
    assert "not valid for this host name" in tls_sentence(exc)
