"""The event store's root as a URL: local paths as always, s3://bucket/prefix, and bad ones
refused with one message saying where (the setting) and why — never echoing a credential."""

from __future__ import annotations

from pathlib import Path

import pytest

from servicepact.config import Settings
from servicepact.domain.errors import InvalidInput
from servicepact.store.events.location import EventRoot, event_root


def test_a_plain_path_and_a_file_url_are_local_directories(tmp_path: Path) -> None:
    plain = EventRoot.parse(str(tmp_path / "events"))
    assert plain.local == tmp_path / "events"
    # The names the local engine reads are exactly the paths it always read.
    assert plain.location("c/tickets/b.parquet") == str(tmp_path / "events" / "c/tickets/b.parquet")
    as_url = EventRoot.parse(f"file://{tmp_path}/my%20events")
    assert as_url.local == tmp_path / "my events"
    assert EventRoot.parse(tmp_path).local == tmp_path


def test_an_s3_url_names_a_bucket_and_a_prefix() -> None:
    root = EventRoot.parse(
        "s3://acme-events/prod/servicepact/",
        endpoint="http://127.0.0.1:9000/",
        region="ap-northeast-2",
    )
    assert (root.bucket, root.prefix, root.local) == ("acme-events", "prod/servicepact", None)
    assert root.url == "s3://acme-events/prod/servicepact"
    assert root.endpoint == "http://127.0.0.1:9000"
    assert root.region == "ap-northeast-2"
    assert (
        root.location("c/tickets/b.parquet") == "acme-events/prod/servicepact/c/tickets/b.parquet"
    )
    assert root.uri("c/t/b.parquet") == "s3://acme-events/prod/servicepact/c/t/b.parquet"
    bare = EventRoot.parse("s3://acme-events")
    assert (bare.prefix, bare.location("c/t/b.parquet")) == ("", "acme-events/c/t/b.parquet")


def test_the_settings_give_the_default_directory_or_the_url(tmp_path: Path) -> None:
    default = Settings(data_dir=tmp_path)
    assert event_root(default).local == tmp_path / "events"
    assert default.event_store_dir == tmp_path / "events"
    elsewhere = Settings(data_dir=tmp_path, events_root=f"file://{tmp_path}/other")
    assert event_root(elsewhere).local == tmp_path / "other"
    assert elsewhere.event_store_dir == tmp_path / "other"
    on_s3 = Settings(
        data_dir=tmp_path, events_root="s3://bucket-a/x", events_s3_endpoint="https://s3.local:9443"
    )
    root = event_root(on_s3)
    assert (root.bucket, root.prefix, root.endpoint) == ("bucket-a", "x", "https://s3.local:9443")


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("gs://bucket/x", "is a directory, a file:/// URL or an s3://bucket/prefix URL"),
        ("s3a://bucket/x", "s3a:// is written s3:// here"),
        ("s3://", "names no valid bucket"),
        ("s3://Upper_Case/x", "names no valid bucket"),
        ("s3://bucket/a//b", "has an empty, . or .. segment"),
        ("s3://bucket/a/../b", "has an empty, . or .. segment"),
        ("s3://bucket/x?versionId=1", "without ? or #"),
        ("file://server/share/events", "file:///absolute/path"),
        ("   ", "is empty"),
    ],
)
def test_a_bad_root_is_refused_naming_the_setting_and_why(url: str, why: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        EventRoot.parse(url)
    [problem] = refused.value.problems
    assert problem.where == "SERVICEPACT_EVENTS_ROOT"
    assert why in problem.message


def test_credentials_in_the_url_are_refused_without_being_repeated() -> None:
    with pytest.raises(InvalidInput) as refused:
        EventRoot.parse("s3://AKIAEXAMPLE:wJalrXUtnFEMI@bucket/events")
    text = str(refused.value)
    assert "carries credentials" in text
    assert "wJalrXUtnFEMI" not in text
    assert "AKIAEXAMPLE" not in text
    assert refused.value.problems[0].value is None


@pytest.mark.parametrize(
    ("endpoint", "why"),
    [
        ("ftp://127.0.0.1:21", "is http(s)://host[:port]"),
        ("127.0.0.1:9000", "is http(s)://host[:port]"),
        ("http://127.0.0.1:port", "has a port that is no number"),
        ("http://key:secret@127.0.0.1:9000", "carries credentials"),
    ],
)
def test_a_bad_endpoint_is_refused_naming_its_setting(endpoint: str, why: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        EventRoot.parse("s3://bucket/events", endpoint=endpoint)
    [problem] = refused.value.problems
    assert problem.where == "SERVICEPACT_EVENTS_S3_ENDPOINT"
    assert why in problem.message
    assert "secret" not in str(refused.value)
