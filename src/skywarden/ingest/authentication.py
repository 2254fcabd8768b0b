"""Remote ID authentication records put back together from their broadcast pages.

An F3411 authentication record (a signature over the aircraft's identity or its
messages) is longer than one 25-byte message, so a transmitter splits it over up to
16 Authentication pages: page 0 carries the authentication type, the index of the
last page, the record's length in bytes, the signing time and the first 17 bytes;
pages 1 to 15 carry 23 bytes each. :class:`AuthenticationAssembler` collects the
pages each transmitter sends and hands back the whole record once pages 0 to the
last index have all been heard.

What the air does to pages, and what the assembler does about it:

- pages arrive in any order and repeat (every page is rebroadcast for as long as the
  aircraft flies): order does not matter, and a record already handed back is not
  handed back again while its pages keep repeating unchanged;
- pages get lost: a partial set that gains no page for ``expiry_s`` is dropped and
  reported as incomplete with the pages it lacks;
- the aircraft signs again (a new time, length or type): a page that contradicts the
  one held for its number starts a new set, and the old one, if incomplete, is
  reported as superseded;
- pages that cannot belong to a valid record (a page number beyond the last index
  page 0 declares, a length over what the declared pages hold) are rejected alone,
  counted by reason, and never stop the assembly of anything else.

Pages carry no signing time beyond page 0, so an old data page heard after a new
page 0, before the new page of that number, is taken as part of the new record: only
checking the signature tells such a record apart, which this module does not do.

The default expiry is 10 s. F3411 has a transmitter repeat its static data at least
every 3 s, and transmitters cycle through their authentication pages with it, so a
whole set passes about three times in 10 s: a set still incomplete after that has
lost more than a few unlucky pages, while a set kept much longer would risk joining
pages of two signatures.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, TypeAlias

from skywarden.ingest.remoteid import (
    AUTH_MAX_PAGE_INDEX,
    AUTH_PAGE0_DATA,
    AUTH_PAGE_DATA,
    PROTOCOL_VERSION,
    Authentication,
    AuthType,
    Message,
    MessagePack,
)

log = logging.getLogger(__name__)

AUTH_EXPIRY_S = 10.0
"""Seconds a partial set of pages waits for its next page before it is dropped."""


class IncompleteReason(StrEnum):
    """Why a set of pages was given up before it made a whole record."""

    EXPIRED = "expired"
    SUPERSEDED = "superseded"
    END_OF_INPUT = "end of input"


class RejectReason(StrEnum):
    """Why a single page could not be used."""

    PAGE_NUMBER = "page number outside 0 .. 15"
    PAGE_ZERO_FIELDS = "page 0 without its last page index or length"
    LAST_PAGE_INDEX = "last page index beyond 15"
    OVER_CAPACITY = "length over the capacity of the declared pages"
    DATA_TOO_LONG = "more data than a page holds"
    BEYOND_LAST_PAGE = "page beyond the declared last page index"


@dataclass(frozen=True, slots=True)
class AuthenticationRecord:
    """A whole authentication record, its data trimmed to the length page 0 declares.

    ``timestamp_s`` is the Unix time the record was signed; ``first_received_t`` and
    ``last_received_t`` are the receive times of the earliest and latest page the
    record was assembled from.
    """

    sender: str
    auth_type: int | None
    timestamp_s: float | None
    data: bytes
    page_count: int
    first_received_t: float
    last_received_t: float
    protocol_version: int


@dataclass(frozen=True, slots=True)
class IncompleteAuthentication:
    """A set of pages that never made a whole record.

    ``missing_pages`` lists the page numbers that did not arrive; without page 0 the
    last index is unknown, so it lists page 0 and the gaps below the highest page heard.
    """

    sender: str
    auth_type: int | None
    why: IncompleteReason
    reason: str
    received_pages: tuple[int, ...]
    missing_pages: tuple[int, ...]
    last_page_index: int | None
    first_received_t: float
    last_received_t: float


@dataclass(frozen=True, slots=True)
class RejectedPage:
    """A page that cannot belong to a valid record, with the reason in words."""

    sender: str
    auth_type: int | None
    page_number: int
    why: RejectReason
    reason: str
    received_t: float


AuthenticationOutcome: TypeAlias = AuthenticationRecord | IncompleteAuthentication | RejectedPage
"""What feeding pages to the assembler can produce."""


@dataclass(slots=True)
class AuthenticationCounts:
    """How many records completed, sets were given up and pages rejected, by reason."""

    completed: int = 0
    incomplete: Counter[IncompleteReason] = field(default_factory=Counter)
    rejected: Counter[RejectReason] = field(default_factory=Counter)


@dataclass(slots=True)
class _PageSet:
    """The pages of one transmitter's record heard so far (data padded to page size)."""

    auth_type: int | None
    first_t: float
    last_t: float
    page_zero: Authentication | None = None
    data: dict[int, bytes] = field(default_factory=dict)
    completed: bool = False

    @property
    def last_page_index(self) -> int | None:
        return None if self.page_zero is None else self.page_zero.last_page_index

    def missing(self) -> tuple[int, ...]:
        last = self.last_page_index
        if last is None:
            return tuple(n for n in range(max(self.data, default=0)) if n not in self.data)
        return tuple(n for n in range(last + 1) if n not in self.data)

    def received(self) -> tuple[int, ...]:
        return tuple(sorted(self.data))


def _padded(page: Authentication) -> bytes:
    size = AUTH_PAGE0_DATA if page.page_number == 0 else AUTH_PAGE_DATA
    return page.auth_data.ljust(size, b"\0")


def _page_zero_key(page: Authentication) -> tuple[object, ...]:
    return (page.auth_type, page.last_page_index, page.length, page.timestamp_s, _padded(page))


def _invalid(page: Authentication) -> tuple[RejectReason, str] | None:
    """Why a page can belong to no record at all, or None if it can."""
    number = page.page_number
    if not 0 <= number <= AUTH_MAX_PAGE_INDEX:
        return RejectReason.PAGE_NUMBER, f"page number {number} is outside 0 .. 15"
    size = AUTH_PAGE0_DATA if number == 0 else AUTH_PAGE_DATA
    if len(page.auth_data) > size:
        return RejectReason.DATA_TOO_LONG, (
            f"page {number} carries {len(page.auth_data)} bytes, at most {size}"
        )
    if number != 0:
        return None
    last, length = page.last_page_index, page.length
    if last is None or length is None:
        return RejectReason.PAGE_ZERO_FIELDS, "page 0 lacks its last page index or length"
    if not 0 <= last <= AUTH_MAX_PAGE_INDEX:
        return RejectReason.LAST_PAGE_INDEX, f"page 0 declares last page index {last}, at most 15"
    capacity = AUTH_PAGE0_DATA + AUTH_PAGE_DATA * last
    if not 0 <= length <= capacity:
        return RejectReason.OVER_CAPACITY, (
            f"page 0 declares {length} bytes but {last + 1} pages hold at most {capacity}"
        )
    return None


class AuthenticationAssembler:
    """Gathers Authentication pages per transmitter and returns each record once whole.

    ``sender`` is whatever tells transmitters apart where the pages were heard: the
    Wi-Fi MAC or Bluetooth address, or the Basic ID serial when the pages travel in a
    message pack with it. Receive times must not go backwards by more than a moment:
    expiry looks at the sets in the order they last gained a page.
    """

    def __init__(self, expiry_s: float = AUTH_EXPIRY_S) -> None:
        if expiry_s <= 0:
            raise ValueError(f"expiry {expiry_s} s must be positive")
        self.expiry_s = expiry_s
        self.counts = AuthenticationCounts()
        self._sets: dict[str, _PageSet] = {}  # ordered by the time each last gained a page

    def add(
        self, sender: str, page: Authentication, received_t: float
    ) -> list[AuthenticationOutcome]:
        """Take one page heard at ``received_t``; return what it (and the time) settled.

        That is the record it completes, the sets it supersedes or that expired by
        ``received_t`` (of any sender), and the pages it rejects, the page itself
        included when it is invalid.
        """
        outcomes: list[AuthenticationOutcome] = list(self.expire(received_t))
        invalid = _invalid(page)
        if invalid is not None:
            outcomes.append(self._reject(sender, page, received_t, *invalid))
            return outcomes
        pages = self._sets.get(sender)
        if pages is not None and self._contradicts(pages, page):
            del self._sets[sender]
            if not pages.completed:
                outcomes.append(self._give_up(sender, pages, IncompleteReason.SUPERSEDED, (
                    f"page {page.page_number} changed before the record was whole"
                )))
            pages = None
        if pages is None:
            pages = _PageSet(page.auth_type, received_t, received_t)
        elif pages.last_page_index is not None and page.page_number > pages.last_page_index:
            outcomes.append(self._reject_beyond(sender, page, received_t, pages.last_page_index))
            return outcomes
        self._sets.pop(sender, None)
        self._sets[sender] = pages  # (re-)inserted last: the sets stay in order of last_t
        outcomes.extend(self._store(sender, pages, page, received_t))
        if not pages.completed and pages.page_zero is not None and not pages.missing():
            pages.completed = True
            self.counts.completed += 1
            outcomes.append(self._record(sender, pages))
        return outcomes

    def add_messages(
        self, sender: str, messages: Iterable[Message] | MessagePack, received_t: float
    ) -> list[AuthenticationOutcome]:
        """Take every Authentication page among ``messages`` (a frame's or a pack's)."""
        if isinstance(messages, MessagePack):
            messages = messages.messages
        outcomes: list[AuthenticationOutcome] = []
        for message in messages:
            if isinstance(message, Authentication):
                outcomes.extend(self.add(sender, message, received_t))
        return outcomes

    def expire(self, now: float) -> list[IncompleteAuthentication]:
        """Drop the sets that gained no page for more than ``expiry_s`` before ``now``.

        Incomplete ones are returned; complete ones are forgotten silently, so that a
        record heard again after a long silence is returned again.
        """
        expired = []
        while self._sets:
            sender, pages = next(iter(self._sets.items()))
            if now - pages.last_t <= self.expiry_s:
                break
            del self._sets[sender]
            if not pages.completed:
                expired.append(self._give_up(sender, pages, IncompleteReason.EXPIRED, (
                    f"no page for more than {self.expiry_s:g} s"
                )))
        return expired

    def flush(self) -> list[IncompleteAuthentication]:
        """End of input: every set still incomplete, and forget them all."""
        remaining = [
            self._give_up(sender, pages, IncompleteReason.END_OF_INPUT, "input ended")
            for sender, pages in self._sets.items()
            if not pages.completed
        ]
        self._sets.clear()
        return remaining

    # ------------------------------------------------------------------ internals

    @staticmethod
    def _contradicts(pages: _PageSet, page: Authentication) -> bool:
        """Whether ``page`` cannot be part of the same record as ``pages``."""
        if page.auth_type != pages.auth_type:
            return True
        if page.page_number == 0:
            return pages.page_zero is not None and (
                _page_zero_key(page) != _page_zero_key(pages.page_zero)
            )
        held = pages.data.get(page.page_number)
        return held is not None and held != _padded(page)

    def _store(
        self, sender: str, pages: _PageSet, page: Authentication, received_t: float
    ) -> list[RejectedPage]:
        """Keep ``page`` in ``pages``; a first page 0 rejects the pages beyond its index."""
        pages.last_t = received_t
        pages.data[page.page_number] = _padded(page)
        if page.page_number != 0 or pages.page_zero is not None:
            return []
        pages.page_zero = page
        last = page.last_page_index
        assert last is not None  # _invalid rejects a page 0 without it
        return [
            self._reject_beyond(
                sender, Authentication(pages.auth_type, n, pages.data.pop(n)), received_t, last
            )
            for n in [n for n in pages.data if n > last]
        ]

    def _reject_beyond(
        self, sender: str, page: Authentication, received_t: float, last: int
    ) -> RejectedPage:
        return self._reject(sender, page, received_t, RejectReason.BEYOND_LAST_PAGE, (
            f"page {page.page_number} is beyond the last page index {last} that page 0 declares"
        ))

    def _reject(
        self, sender: str, page: Authentication, received_t: float,
        why: RejectReason, reason: str,
    ) -> RejectedPage:
        self.counts.rejected[why] += 1
        log.debug("rejected authentication page from %s at t=%.3f: %s", sender, received_t, reason)
        return RejectedPage(sender, page.auth_type, page.page_number, why, reason, received_t)

    def _give_up(
        self, sender: str, pages: _PageSet, why: IncompleteReason, circumstance: str
    ) -> IncompleteAuthentication:
        missing = pages.missing()
        reason = f"{circumstance}: missing pages {list(missing)}"
        if pages.page_zero is None:
            reason += " (the last page index comes with page 0)"
        self.counts.incomplete[why] += 1
        log.debug("incomplete authentication record from %s: %s", sender, reason)
        return IncompleteAuthentication(
            sender, pages.auth_type, why, reason, pages.received(), missing,
            pages.last_page_index, pages.first_t, pages.last_t,
        )

    @staticmethod
    def _record(sender: str, pages: _PageSet) -> AuthenticationRecord:
        page_zero = pages.page_zero
        assert page_zero is not None and page_zero.length is not None  # checked by the caller
        data = b"".join(pages.data[n] for n in sorted(pages.data))[: page_zero.length]
        return AuthenticationRecord(
            sender, pages.auth_type, page_zero.timestamp_s, data, len(pages.data),
            pages.first_t, pages.last_t, page_zero.protocol_version,
        )


# --------------------------------------------------------------------------- JSON form


def _auth_type_name(auth_type: int | None) -> str | int | None:
    return auth_type.name.lower() if isinstance(auth_type, AuthType) else auth_type


def page_from_record(record: Mapping[str, Any]) -> Authentication:
    """The page a message record of ``skywarden decode`` (an Authentication one) shows.

    The inverse of :func:`skywarden.ingest.records.message_record` for this type, so
    that decoded output (or a file of it) can be reassembled.
    """
    auth_type = record["auth_type"]
    return Authentication(
        AuthType[auth_type.upper()] if isinstance(auth_type, str) else auth_type,
        int(record["page_number"]),
        bytes.fromhex(record["auth_data"]),
        record.get("last_page_index"),
        record.get("length"),
        record.get("timestamp_s"),
        int(record.get("protocol_version", PROTOCOL_VERSION)),
    )


def outcome_record(outcome: AuthenticationOutcome) -> dict[str, Any]:
    """One outcome as a flat JSON-ready object, ``"record": "authentication"`` first.

    A whole record shows its data as hex; an incomplete set its reason and missing
    pages; a rejected page its number and reason. An unnamed sender shows as null.
    """
    head: dict[str, Any] = {
        "record": "authentication",
        "sender": outcome.sender or None,
        "auth_type": _auth_type_name(outcome.auth_type),
    }
    if isinstance(outcome, AuthenticationRecord):
        return {
            **head, "timestamp_s": outcome.timestamp_s, "length": len(outcome.data),
            "pages": outcome.page_count, "data_hex": outcome.data.hex(),
            "first_t": outcome.first_received_t, "last_t": outcome.last_received_t,
            "protocol_version": outcome.protocol_version,
        }
    if isinstance(outcome, IncompleteAuthentication):
        return {
            **head, "incomplete": str(outcome.why), "reason": outcome.reason,
            "missing_pages": list(outcome.missing_pages),
            "received_pages": list(outcome.received_pages),
            "last_page_index": outcome.last_page_index,
            "first_t": outcome.first_received_t, "last_t": outcome.last_received_t,
        }
    return {
        **head, "rejected_page": outcome.page_number, "reason": outcome.reason,
        "t": outcome.received_t,
    }


class DecodedPageReassembly:
    """Reassembles the Authentication pages among decoded message records.

    ``follow`` passes the records of ``skywarden decode`` through unchanged and, after
    the last, adds one record per outcome. Records from a capture name the transmitter
    (``source``); pages from hex frames and recordings, which do not, are assembled as
    one unnamed sender, and those without a receive time (``t``) as heard at time 0.
    """

    def __init__(self, expiry_s: float = AUTH_EXPIRY_S) -> None:
        self.assembler = AuthenticationAssembler(expiry_s)
        self.pages = 0

    def follow(self, records: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        """Every record of ``records``, then the outcomes of their Authentication pages."""
        outcomes: list[AuthenticationOutcome] = []
        for record in records:
            yield record
            if record.get("message_type") == "authentication":
                self.pages += 1
                t = record.get("t")
                outcomes.extend(self.assembler.add(
                    str(record.get("source") or ""), page_from_record(record),
                    float(t) if isinstance(t, int | float) else 0.0,
                ))
        outcomes.extend(self.assembler.flush())
        yield from (outcome_record(outcome) for outcome in outcomes)

    def summary(self) -> str:
        """One line of counts: pages, whole records, incomplete sets, rejected pages."""
        counts = self.assembler.counts
        return (
            f"{self.pages} authentication pages: {counts.completed} records whole, "
            f"{counts.incomplete.total()} incomplete, {counts.rejected.total()} pages rejected"
        )
