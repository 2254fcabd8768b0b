"""Authentication records reassembled from pages as the project's encoder writes them."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skywarden.ingest.authentication import (
    AuthenticationAssembler,
    AuthenticationOutcome,
    AuthenticationRecord,
    IncompleteAuthentication,
    IncompleteReason,
    RejectedPage,
    RejectReason,
    outcome_record,
    page_from_record,
)
from skywarden.ingest.records import message_record
from skywarden.ingest.remoteid import (
    Authentication,
    AuthType,
    BasicId,
    IdType,
    Location,
    Message,
    MessagePack,
    RemoteIdError,
    UaType,
    decode,
    decode_each,
    encode,
    encode_pack,
)
from skywarden.ingest.transports import RemoteIdFrame
from tests.ingest.captures import BEACON_CAPTURE, BT5_CAPTURE, NAN_CAPTURE, frames

SIGNED_AT = 1_700_000_000.0
DRONE = "84:cc:a8:60:43:24"


def _on_air(page: Authentication) -> Authentication:
    """The page as a receiver decodes it from the encoder's bytes."""
    received = decode(encode(page))
    assert isinstance(received, Authentication)
    return received


def _pages(
    data: bytes,
    auth_type: int = AuthType.MESSAGE_SET_SIGNATURE,
    signed_at: float = SIGNED_AT,
) -> list[Authentication]:
    """The pages a transmitter broadcasts for ``data``: 17 bytes on page 0, 23 on the rest."""
    last = max(0, -(-(len(data) - 17) // 23))
    page_zero = Authentication(
        auth_type, 0, data[:17], last_page_index=last, length=len(data), timestamp_s=signed_at
    )
    rest = [
        Authentication(auth_type, n, data[17 + 23 * (n - 1) : 17 + 23 * n])
        for n in range(1, last + 1)
    ]
    return [_on_air(page) for page in (page_zero, *rest)]


def _feed(
    assembler: AuthenticationAssembler, pages: list[Authentication], start_t: float = 0.0,
    step_s: float = 0.1, sender: str = DRONE,
) -> list[AuthenticationOutcome]:
    outcomes: list[AuthenticationOutcome] = []
    for i, page in enumerate(pages):
        outcomes += assembler.add(sender, page, start_t + i * step_s)
    return outcomes


SIGNATURE = bytes(range(100, 170))  # 70 bytes: page 0 and three more


def test_pages_in_order_give_the_record_once_the_last_arrives() -> None:
    assembler = AuthenticationAssembler()
    pages = _pages(SIGNATURE)
    assert [p.page_number for p in pages] == [0, 1, 2, 3]
    assert _feed(assembler, pages[:3]) == []
    [record] = assembler.add(DRONE, pages[3], 0.3)
    assert record == AuthenticationRecord(
        sender=DRONE, auth_type=AuthType.MESSAGE_SET_SIGNATURE, timestamp_s=SIGNED_AT,
        data=SIGNATURE, page_count=4, first_received_t=0.0, last_received_t=0.3,
        protocol_version=2,
    )
    assert assembler.counts.completed == 1


@settings(max_examples=60, deadline=None)
@given(
    data=st.binary(min_size=0, max_size=255),
    seed=st.integers(0, 2**32 - 1),
    repeats=st.integers(1, 3),
)
def test_any_order_with_repeats_gives_exactly_the_signed_bytes(
    data: bytes, seed: int, repeats: int
) -> None:
    pages = _pages(data) * repeats
    random.Random(seed).shuffle(pages)
    outcomes = _feed(AuthenticationAssembler(), pages)
    [record] = outcomes
    assert isinstance(record, AuthenticationRecord)
    assert record.data == data
    assert record.page_count == len(_pages(data))


def test_repeated_broadcasts_of_a_whole_record_are_not_returned_again() -> None:
    assembler = AuthenticationAssembler()
    pages = _pages(SIGNATURE)
    outcomes = _feed(assembler, pages * 5, step_s=0.5)  # 10 s of repeats, none 10 s apart
    assert len(outcomes) == 1 and isinstance(outcomes[0], AuthenticationRecord)
    assert assembler.flush() == []


def test_a_lost_page_leaves_an_incomplete_set_with_the_missing_pages() -> None:
    assembler = AuthenticationAssembler()
    pages = _pages(bytes(120))  # pages 0 to 5
    assert _feed(assembler, [pages[i] for i in (0, 1, 4, 5)]) == []
    [left] = assembler.flush()
    assert isinstance(left, IncompleteAuthentication)
    assert left.why is IncompleteReason.END_OF_INPUT
    assert left.missing_pages == (2, 3)
    assert left.received_pages == (0, 1, 4, 5)
    assert left.last_page_index == 5
    assert "missing pages [2, 3]" in left.reason


def test_without_page_0_the_gaps_below_the_highest_page_are_missing() -> None:
    assembler = AuthenticationAssembler()
    pages = _pages(bytes(120))
    _feed(assembler, [pages[1], pages[3]])
    [left] = assembler.flush()
    assert isinstance(left, IncompleteAuthentication)
    assert left.missing_pages == (0, 2)
    assert left.last_page_index is None
    assert "page 0" in left.reason


def test_a_set_that_gains_no_page_for_the_expiry_is_dropped() -> None:
    assembler = AuthenticationAssembler(expiry_s=10.0)
    pages = _pages(SIGNATURE)
    _feed(assembler, pages[:2], start_t=100.0, step_s=0.5)  # last page at 100.5
    [other] = _pages(b"other drone", auth_type=AuthType.UAS_ID_SIGNATURE)  # one page
    outcomes = assembler.add("other", other, 110.5)
    assert [type(o) for o in outcomes] == [AuthenticationRecord]  # 10 s is not yet stale
    [expired] = assembler.add("other", other, 110.75)  # the repeat adds nothing itself
    assert isinstance(expired, IncompleteAuthentication)
    assert expired.why is IncompleteReason.EXPIRED
    assert expired.sender == DRONE and expired.missing_pages == (2, 3)
    assert (expired.first_received_t, expired.last_received_t) == (100.0, 100.5)
    assert "no page for more than 10 s" in expired.reason
    assert assembler.counts.incomplete == {IncompleteReason.EXPIRED: 1}
    # the late pages start a new set, which cannot complete without the dropped ones
    assert assembler.add(DRONE, pages[2], 110.8) == []
    assert assembler.add(DRONE, pages[3], 110.9) == []


def test_a_whole_record_heard_again_after_a_silence_is_returned_again() -> None:
    assembler = AuthenticationAssembler(expiry_s=10.0)
    pages = _pages(SIGNATURE)
    first = _feed(assembler, pages, start_t=0.0)
    assert assembler.expire(30.0) == []  # a whole record is forgotten silently
    again = _feed(assembler, pages, start_t=30.0)
    assert len(first) == len(again) == 1
    assert isinstance(again[0], AuthenticationRecord) and again[0].first_received_t == 30.0


def test_signing_again_starts_a_new_record() -> None:
    assembler = AuthenticationAssembler()
    old = _pages(SIGNATURE, signed_at=SIGNED_AT)
    new = _pages(bytes(reversed(SIGNATURE)), signed_at=SIGNED_AT + 60)
    [first] = _feed(assembler, old)
    outcomes = _feed(assembler, [*new, old[2]], start_t=1.0)
    [second] = [o for o in outcomes if isinstance(o, AuthenticationRecord)]
    assert isinstance(first, AuthenticationRecord) and first.data == SIGNATURE
    assert second.data == bytes(reversed(SIGNATURE))
    assert second.timestamp_s == SIGNED_AT + 60
    assert second.first_received_t == 1.0
    # the old page 2 that arrived late contradicts the new record: it starts a set of
    # its own rather than spoiling the one already returned
    [left] = assembler.flush()
    assert isinstance(left, IncompleteAuthentication) and left.received_pages == (2,)


def test_signing_again_mid_record_supersedes_the_partial_set() -> None:
    assembler = AuthenticationAssembler()
    old = _pages(SIGNATURE, signed_at=SIGNED_AT)
    new = _pages(SIGNATURE[::-1], signed_at=SIGNED_AT + 60)
    assert _feed(assembler, old[:2]) == []
    [superseded] = assembler.add(DRONE, new[0], 1.0)
    assert isinstance(superseded, IncompleteAuthentication)
    assert superseded.why is IncompleteReason.SUPERSEDED
    assert superseded.missing_pages == (2, 3)
    [record] = _feed(assembler, new[1:], start_t=1.1)
    assert isinstance(record, AuthenticationRecord) and record.data == SIGNATURE[::-1]


def test_a_page_of_another_auth_type_is_not_mixed_into_the_record() -> None:
    assembler = AuthenticationAssembler()
    message_set = _pages(SIGNATURE, auth_type=AuthType.MESSAGE_SET_SIGNATURE)
    operator = _pages(SIGNATURE, auth_type=AuthType.OPERATOR_ID_SIGNATURE)
    _feed(assembler, message_set[:3])
    [superseded] = assembler.add(DRONE, operator[3], 0.5)
    assert isinstance(superseded, IncompleteAuthentication)
    [record] = _feed(assembler, operator[:3], start_t=0.6)
    assert isinstance(record, AuthenticationRecord)
    assert record.auth_type is AuthType.OPERATOR_ID_SIGNATURE


def test_pages_beyond_the_declared_last_index_are_rejected_alone() -> None:
    assembler = AuthenticationAssembler()
    pages = _pages(SIGNATURE)  # last page index 3
    stray = _on_air(Authentication(AuthType.MESSAGE_SET_SIGNATURE, 6, b"stray"))
    early = assembler.add(DRONE, stray, 0.0)  # before page 0: the last index is unknown
    assert early == []
    outcomes = _feed(assembler, [pages[0], stray, *pages[1:]], start_t=0.1)
    rejected = [o for o in outcomes if isinstance(o, RejectedPage)]
    assert [(r.page_number, r.why) for r in rejected] == [
        (6, RejectReason.BEYOND_LAST_PAGE), (6, RejectReason.BEYOND_LAST_PAGE),
    ]
    assert "beyond the last page index 3" in rejected[0].reason
    [record] = [o for o in outcomes if isinstance(o, AuthenticationRecord)]
    assert record.data == SIGNATURE and record.page_count == 4
    assert assembler.counts.rejected[RejectReason.BEYOND_LAST_PAGE] == 2


def test_a_length_over_the_capacity_of_the_pages_is_rejected() -> None:
    over = Authentication(
        AuthType.UAS_ID_SIGNATURE, 0, bytes(17), last_page_index=1, length=41,
        timestamp_s=SIGNED_AT,
    )
    with pytest.raises(RemoteIdError, match="exceeds the 40 bytes of 2 pages"):
        decode(encode(over))  # the decoder refuses such bytes on air ...
    assembler = AuthenticationAssembler()  # ... and the assembler such a page from elsewhere
    [rejected] = assembler.add(DRONE, over, 0.0)
    assert isinstance(rejected, RejectedPage)
    assert rejected.why is RejectReason.OVER_CAPACITY
    assert rejected.reason == "page 0 declares 41 bytes but 2 pages hold at most 40"


@pytest.mark.parametrize(
    ("page", "why"),
    [
        (Authentication(1, 16, b""), RejectReason.PAGE_NUMBER),
        (Authentication(1, 2, bytes(24)), RejectReason.DATA_TOO_LONG),
        (Authentication(1, 0, b"", last_page_index=None, length=3), RejectReason.PAGE_ZERO_FIELDS),
        (Authentication(1, 0, b"", last_page_index=16, length=3), RejectReason.LAST_PAGE_INDEX),
    ],
)
def test_pages_no_record_can_hold_are_rejected_and_counted(
    page: Authentication, why: RejectReason
) -> None:
    assembler = AuthenticationAssembler()
    [rejected] = assembler.add(DRONE, page, 0.0)
    assert isinstance(rejected, RejectedPage) and rejected.why is why
    assert assembler.counts.rejected == {why: 1}
    assert assembler.flush() == []


def test_senders_are_assembled_apart() -> None:
    assembler = AuthenticationAssembler()
    a, b = _pages(SIGNATURE), _pages(SIGNATURE[::-1])
    outcomes = []
    for t, (page_a, page_b) in enumerate(zip(a, b, strict=True)):
        outcomes += assembler.add("a", page_a, t) + assembler.add("b", page_b, t)
    assert {(o.sender, o.data) for o in outcomes if isinstance(o, AuthenticationRecord)} == {
        ("a", SIGNATURE), ("b", SIGNATURE[::-1])
    }


def test_message_packs_carry_several_pages_at_once() -> None:
    """A 255-byte record needs 12 pages: two packs, each with a Basic ID and a Location."""
    data = bytes(range(255))
    pages = _pages(data, auth_type=AuthType.SPECIFIC_AUTHENTICATION)
    assert len(pages) == 12
    basic = BasicId(IdType.SERIAL_NUMBER, UaType.HELICOPTER_OR_MULTIROTOR, "1596F0001")
    location = Location(latitude_deg=60.17, longitude_deg=24.94)
    packs: list[list[Message]] = [[basic, location, *pages[7:]], [basic, location, *pages[:7]]]
    first, second = (decode(encode_pack(pack)) for pack in packs)
    assert isinstance(first, MessagePack) and isinstance(second, MessagePack)
    assembler = AuthenticationAssembler()
    assert assembler.add_messages(DRONE, first, 0.0) == []
    [record] = assembler.add_messages(DRONE, second, 0.1)
    assert isinstance(record, AuthenticationRecord)
    assert record.data == data and record.page_count == 12
    assert record.auth_type is AuthType.SPECIFIC_AUTHENTICATION


def test_json_records_round_trip_pages_and_show_outcomes() -> None:
    assembler = AuthenticationAssembler()
    pages = [page_from_record(message_record(p)) for p in _pages(SIGNATURE)]
    assert pages == _pages(SIGNATURE)
    [record] = _feed(assembler, pages, step_s=0.5)
    assert outcome_record(record) == {
        "record": "authentication", "sender": DRONE, "auth_type": "message_set_signature",
        "timestamp_s": SIGNED_AT, "length": 70, "pages": 4, "data_hex": SIGNATURE.hex(),
        "first_t": 0.0, "last_t": 1.5, "protocol_version": 2,
    }
    _feed(assembler, _pages(bytes(50), auth_type=0xB, signed_at=SIGNED_AT + 1)[:1], sender="")
    [left] = assembler.flush()
    line = outcome_record(left)
    assert line["sender"] is None and line["auth_type"] == 0xB
    assert line["incomplete"] == "end of input" and line["missing_pages"] == [1, 2]


@pytest.mark.parametrize("name", [BEACON_CAPTURE, NAN_CAPTURE, BT5_CAPTURE])
def test_the_real_captures_carry_no_authentication_and_yield_no_record(
    shared_data: Path, name: str
) -> None:
    """None of the three real transmitters authenticates: reassembly must invent nothing."""
    assembler = AuthenticationAssembler()
    messages = pages = 0
    outcomes: list[AuthenticationOutcome] = []
    for frame in frames(shared_data, name):
        if not isinstance(frame, RemoteIdFrame):
            continue
        decoded = [m for m in decode_each(frame.payload) if not isinstance(m, RemoteIdError)]
        messages += len(decoded)
        pages += sum(isinstance(m, Authentication) for m in decoded)
        outcomes += assembler.add_messages(frame.source, decoded, frame.t)
    assert messages > 0 and pages == 0
    assert outcomes == [] and assembler.flush() == []
    assert assembler.counts.completed == 0 and not assembler.counts.rejected
