"""RFC 6962 Merkle tree hashing, inclusion and consistency proofs (pure Python, no Django).

Shared by the ledger sealer and by the offline package verifier `qinglang-verify`.
Leaves are hashed as SHA-256(0x00 || data), interior nodes as SHA-256(0x01 || left || right);
the tree over n leaves splits at the largest power of two smaller than n.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

EMPTY_ROOT = hashlib.sha256(b"").digest()
_sha256 = hashlib.sha256


def leaf_hash(data: bytes) -> bytes:
    """Return the RFC 6962 hash of one leaf."""
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Return the RFC 6962 hash of an interior node."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """Return the largest power of two smaller than n (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def root(leaves: Sequence[bytes]) -> bytes:
    """Return the Merkle tree hash over these leaf hashes."""
    if not leaves:
        return EMPTY_ROOT
    level = list(leaves)
    # Bottom-up pairing gives the same tree as the recursive split: a lone last node
    # is promoted unchanged to the next level.
    while len(level) > 1:
        nxt = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            nxt.append(level[-1])
        level = nxt
    return level[0]


def inclusion_proof(leaves: Sequence[bytes], index: int, size: int | None = None) -> list[bytes]:
    """Return the audit path for leaf `index` in the tree of the first `size` leaves."""
    size = len(leaves) if size is None else size
    if not 0 <= index < size <= len(leaves):
        raise ValueError("leaf index out of range")
    return _path(index, leaves[:size])


def _path(m: int, d: Sequence[bytes]) -> list[bytes]:
    n = len(d)
    if n <= 1:
        return []
    k = _split(n)
    if m < k:
        return [*_path(m, d[:k]), root(d[k:])]
    return [*_path(m - k, d[k:]), root(d[:k])]


def inclusion_proof_from_range(
    index: int,
    size: int,
    *,
    base_size: int,
    base_hashes: Sequence[bytes],
    leaves: Sequence[bytes],
) -> list[bytes]:
    """Return leaf `index`'s audit path in the tree of `size` without reading leaves below it.

    `base_hashes` is the compact range of the first `base_size` leaves (a checkpoint's frontier)
    and `leaves` the leaf hashes from `base_size` up to `size`. The left siblings of a leaf are
    exactly the compact range of the leaves before it; the right ones lie above the leaf. So the
    work is bounded by `size - base_size` (one sealing batch), not by the length of the log.
    """
    if not base_size <= index < size or len(leaves) != size - base_size:
        raise ValueError("leaf index out of range")
    left = CompactRange(base_size, base_hashes)
    for leaf in leaves[: index - base_size]:
        left.append(leaf)
    blocks, start = {}, 0
    sizes = [1 << bit for bit in reversed(range(index.bit_length())) if index >> bit & 1]
    for width, node in zip(sizes, left.hashes, strict=True):
        blocks[(start, start + width)] = node
        start += width

    def subtree(a: int, b: int) -> bytes:
        return blocks[(a, b)] if (a, b) in blocks else root(leaves[a - base_size : b - base_size])

    def path(a: int, b: int) -> list[bytes]:
        if b - a <= 1:
            return []
        k = _split(b - a)
        if index < a + k:
            return [*path(a, a + k), subtree(a + k, b)]
        return [*path(a + k, b), subtree(a, a + k)]

    return path(0, size)


def consistency_proof(
    leaves: Sequence[bytes], first: int, second: int | None = None
) -> list[bytes]:
    """Return the proof that the tree of `first` leaves is a prefix of the tree of `second`."""
    second = len(leaves) if second is None else second
    if not 0 <= first <= second <= len(leaves):
        raise ValueError("tree sizes out of range")
    if first in (0, second):
        return []
    return _subproof(first, leaves[:second], True)


def _subproof(m: int, d: Sequence[bytes], complete: bool) -> list[bytes]:
    n = len(d)
    if m == n:
        return [] if complete else [root(d)]
    k = _split(n)
    if m <= k:
        return [*_subproof(m, d[:k], complete), root(d[k:])]
    return [*_subproof(m - k, d[k:], False), root(d[:k])]


def verify_inclusion(
    leaf: bytes, index: int, size: int, proof: Sequence[bytes], expected_root: bytes
) -> bool:
    """Return whether `proof` shows `leaf` at `index` in the tree of `size` with this root."""
    if not 0 <= index < size or any(len(p) != 32 for p in proof) or len(leaf) != 32:
        return False
    fn, sn = index, size - 1
    r = leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == expected_root


def verify_consistency(
    first: int, second: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]
) -> bool:
    """Return whether `proof` shows the first tree is a prefix of the second (RFC 9162 2.1.4.2)."""
    if not 0 <= first <= second or any(len(p) != 32 for p in proof):
        return False
    if first == second:
        return not proof and first_root == second_root
    if first == 0:
        return not proof and first_root == EMPTY_ROOT
    if not proof:
        return False
    path = list(proof)
    if first & (first - 1) == 0:
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == first_root and sr == second_root


def inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """Return the leaf ranges whose subtree hashes form leaf `index`'s audit path in tree `size`.

    Each range [a, b) is hashed as the Merkle tree of those leaves (RFC 6962 MTH); the path lists
    them from the leaf upwards, so the hashes can come from stored nodes instead of every leaf.
    """
    if not 0 <= index < size:
        raise ValueError("leaf index out of range")
    out: list[tuple[int, int]] = []
    a, b = 0, size
    while b - a > 1:
        k = _split(b - a)
        if index < a + k:
            out.append((a + k, b))
            b = a + k
        else:
            out.append((a, a + k))
            a += k
    return out[::-1]


def consistency_ranges(first: int, second: int) -> list[tuple[int, int]]:
    """Return the leaf ranges whose subtree hashes form the consistency proof first → second."""
    if not 0 <= first <= second:
        raise ValueError("tree sizes out of range")
    if first in (0, second):
        return []
    out: list[tuple[int, int]] = []
    a, b, m, complete = 0, second, first, True
    while True:
        n = b - a
        if m == n:
            if not complete:
                out.append((a, b))
            break
        k = _split(n)
        if m <= k:
            out.append((a + k, b))
            b = a + k
        else:
            out.append((a, a + k))
            a, m, complete = a + k, m - k, False
    return out[::-1]


def aligned_blocks(a: int, b: int) -> list[tuple[int, int]]:
    """Return [a, b) as complete power-of-two subtrees (level, index), left to right.

    A range in an RFC 6962 proof starts at a multiple of a power of two at least its width, so it
    splits exactly by the binary digits of its width, largest first; its hash folds right to left.
    """
    blocks: list[tuple[int, int]] = []
    while a < b:
        level = (b - a).bit_length() - 1
        while a % (1 << level):
            level -= 1
        blocks.append((level, a >> level))
        a += 1 << level
    return blocks


def fold_blocks(hashes: Sequence[bytes]) -> bytes:
    """Return the Merkle tree hash of consecutive aligned blocks (as from `aligned_blocks`)."""
    if not hashes:
        return EMPTY_ROOT
    r = hashes[-1]
    for h in reversed(hashes[:-1]):
        r = node_hash(h, r)
    return r


class CompactRange:
    """The roots of the perfect subtrees covering leaves [0, size): append and root in O(log n)."""

    def __init__(self, size: int = 0, hashes: Sequence[bytes] = ()) -> None:
        if len(hashes) != bin(size).count("1"):
            raise ValueError("compact range does not match its size")
        self.size = size
        self.hashes = list(hashes)

    def append(self, leaf: bytes) -> None:
        """Add one leaf hash, merging completed subtrees."""
        # Verification appends every leaf of the log: the node hash is inlined, and a merged
        # node is pushed once instead of pushed and popped at each level.
        hashes = self.hashes
        self.size = carry = self.size + 1
        while carry & 1 == 0:
            leaf = _sha256(b"\x01" + hashes.pop() + leaf).digest()
            carry >>= 1
        hashes.append(leaf)

    def append_nodes(self, leaf: bytes) -> list[tuple[int, int, bytes]]:
        """Add one leaf hash; return every complete subtree it closed as (level, index, hash)."""
        self.hashes.append(leaf)
        self.size += 1
        closed = []
        carry, level = self.size, 0
        while carry & 1 == 0:
            right = self.hashes.pop()
            left = self.hashes.pop()
            self.hashes.append(node_hash(left, right))
            carry >>= 1
            level += 1
            closed.append((level, (self.size >> level) - 1, self.hashes[-1]))
        return closed

    def root(self) -> bytes:
        """Return the root hash of the tree of `size` leaves."""
        if not self.hashes:
            return EMPTY_ROOT
        r = self.hashes[-1]
        for h in reversed(self.hashes[:-1]):
            r = node_hash(h, r)
        return r


# --- What the ledger hashes and signs (shared with the offline verifier) -------------------

CHECKPOINT_ORIGIN = "qinglang-ledger/v1"
EVENT_FIELDS = (
    "id",
    "position",
    "occurred_at",
    "actor_id",
    "actor_label",
    "action",
    "object_type",
    "object_id",
    "data_digest",
)


def event_leaf_bytes(event: dict) -> bytes:
    """Return the canonical bytes of a ledger event, as hashed into its leaf."""
    from qinglang.core.canonical import canonical_json

    return canonical_json({name: event[name] for name in EVENT_FIELDS})


def checkpoint_message(tree_size: int, root_hash_hex: str, signed_at: str, key_id: str) -> bytes:
    """Return the exact bytes an Ed25519 checkpoint signature covers."""
    from qinglang.core.canonical import canonical_json

    return canonical_json(
        {
            "origin": CHECKPOINT_ORIGIN,
            "tree_size": tree_size,
            "root_hash": root_hash_hex,
            "signed_at": signed_at,
            "key_id": key_id,
        }
    )


def key_id_for(public_key: bytes) -> str:
    """Return the short id of a raw Ed25519 public key (first 16 hex digits of its SHA-256)."""
    return hashlib.sha256(public_key).hexdigest()[:16]
