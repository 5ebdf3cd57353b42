"""Untrusted text renders literally: no markup, no escapes, bounded length."""

from __future__ import annotations

from rich.console import Console

from console.text import clean, clean_lines, literal, redact, redact_data


def test_markup_is_not_interpreted():
    text = literal("[bold red]boom[/] $(touch /tmp/x)")
    assert text.plain == "[bold red]boom[/] $(touch /tmp/x)"
    assert not text.spans


def test_terminal_escapes_are_made_visible():
    assert clean("a\x1b[31mred\x07\x9b") == "a\\x1b[31mred\\x07\\x9b"


def test_newlines_fold_and_length_is_bounded():
    assert clean("a\nb\tc") == "a b c"
    long = clean("x" * 10_000, limit=100)
    assert len(long) == 100 and long.endswith("…")


def test_rendered_output_carries_no_escape_from_the_value():
    console = Console(record=True, width=80, color_system=None)
    console.print(literal("\x1b]0;pwned\x07title"))
    assert "\x1b]0" not in console.export_text()


# ---------------------------------------------------------------- URL passwords


def test_redact_masks_the_password_of_a_url_and_keeps_the_rest():
    assert redact("http://user:s3cretpw@127.0.0.1:9093/api") == "http://user:***@127.0.0.1:9093/api"
    assert redact("redis://:s3cretpw@cache:6379/0") == "redis://:***@cache:6379/0"


def test_redact_masks_every_url_in_a_sentence():
    text = "cannot reach http://a:pw1@am1:9093, https://b:pw2@am2/x or redis://:pw3@r:6379"
    assert redact(text) == (
        "cannot reach http://a:***@am1:9093, https://b:***@am2/x or redis://:***@r:6379"
    )
    assert redact("http://am1,http://u:pw@am2") == "http://am1,http://u:***@am2"


def test_redact_masks_a_password_holding_an_at_sign_or_a_slash():
    assert redact("http://user:p@ss@w0rd@host:9090/") == "http://user:***@host:9090/"
    assert redact("http://user:pa/ss@host/x") == "http://user:***@host/x"
    assert redact("http://user:pa#ss@host") == "http://user:***@host"


def test_redact_handles_ipv6_hosts():
    assert redact("http://user:pw@[::1]:9093/") == "http://user:***@[::1]:9093/"
    assert redact("http://[fe80::1]:9093/path@x") == "http://[fe80::1]:9093/path@x"


def test_a_lone_user_info_is_taken_for_a_token_and_masked():
    assert redact("https://ghp_t0ken@host/api") == "https://***@host/api"


def test_redact_leaves_text_without_user_info_alone():
    for text in (
        "http://127.0.0.1:9093/api/v2/alerts?filter=a@b",
        "http://host:9093/path/user@example.com",
        "mail ops@example.com about host:9093",
        "user:pass@host without a scheme",
        "http://user:@host",
        "",
    ):
        assert redact(text) == text


def test_redact_is_idempotent_and_clean_redacts_before_cutting():
    once = redact("http://user:pw@h")
    assert redact(once) == once
    # cut before the @, the password would show whole: masking happens first
    assert "s3cretpw" not in clean("x" * 20 + " http://user:s3cretpw@host:9093/alerts", 40)
    assert "s3cretpw" not in clean_lines("one\nhttp://u:s3cretpw@h")


def test_redact_data_masks_every_string_keys_included():
    data = {"url": "http://u:pw@h", "list": ["redis://:pw@r"], "n": 3, "http://u:pw@k": None}
    assert redact_data(data) == {
        "url": "http://u:***@h",
        "list": ["redis://:***@r"],
        "n": 3,
        "http://u:***@k": None,
    }


def test_redact_is_fast_on_hostile_text():
    import time

    started = time.monotonic()
    redact("http://u:p@" * 20_000)
    redact("http://" * 20_000)
    assert time.monotonic() - started < 1.0
