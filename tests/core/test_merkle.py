"""RFC 6962 Merkle hashing and proofs against Certificate Transparency's reference vectors."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qinglang.core import merkle

# Leaves and tree heads from CT's merkle_test / transparency-dev/merkle testonly constants.
CT_LEAVES = [
    bytes.fromhex(h)
    for h in (
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    )
]
CT_ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
CT_INCLUSION = [
    (
        0,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        5,
        8,
        [
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
]
CT_CONSISTENCY = [
    (
        2,
        8,
        [
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        5,
        [
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
]
LEAF_HASHES = [merkle.leaf_hash(d) for d in CT_LEAVES]


def test_roots_match_rfc6962_vectors():
    for size, expected in enumerate(CT_ROOTS):
        assert merkle.root(LEAF_HASHES[:size]).hex() == expected
        compact = merkle.CompactRange()
        for leaf in LEAF_HASHES[:size]:
            compact.append(leaf)
        assert compact.root().hex() == expected


def test_leaf_and_node_prefixes():
    assert merkle.leaf_hash(b"") == hashlib.sha256(b"\x00").digest()
    a, b = LEAF_HASHES[:2]
    assert merkle.node_hash(a, b) == hashlib.sha256(b"\x01" + a + b).digest()


@pytest.mark.parametrize(("index", "size", "path"), CT_INCLUSION)
def test_inclusion_vectors(index, size, path):
    proof = merkle.inclusion_proof(LEAF_HASHES, index, size)
    assert [p.hex() for p in proof] == path
    root = bytes.fromhex(CT_ROOTS[size])
    assert merkle.verify_inclusion(LEAF_HASHES[index], index, size, proof, root)
    assert not merkle.verify_inclusion(LEAF_HASHES[index], index + 1, size, proof, root)
    assert not merkle.verify_inclusion(LEAF_HASHES[index], index, size, proof[:-1], root)


@pytest.mark.parametrize(("first", "second", "path"), CT_CONSISTENCY)
def test_consistency_vectors(first, second, path):
    proof = merkle.consistency_proof(LEAF_HASHES, first, second)
    assert [p.hex() for p in proof] == path
    r1, r2 = bytes.fromhex(CT_ROOTS[first]), bytes.fromhex(CT_ROOTS[second])
    assert merkle.verify_consistency(first, second, r1, r2, proof)
    assert not merkle.verify_consistency(first, second, r2, r1, proof)
    assert not merkle.verify_consistency(first, second, r1, r2, proof[:-1])


def test_every_proof_in_small_trees_verifies_and_tampering_fails():
    leaves = [merkle.leaf_hash(bytes([i, i * 7 % 256])) for i in range(33)]
    roots = [merkle.root(leaves[:n]) for n in range(len(leaves) + 1)]
    for n in range(1, len(leaves) + 1):
        for i in range(n):
            proof = merkle.inclusion_proof(leaves, i, n)
            assert merkle.verify_inclusion(leaves[i], i, n, proof, roots[n])
            assert not merkle.verify_inclusion(leaves[(i + 1) % n], i, n, proof, roots[n]) or n == 1
            if proof:
                bad = [bytes([proof[0][0] ^ 1]) + proof[0][1:], *proof[1:]]
                assert not merkle.verify_inclusion(leaves[i], i, n, bad, roots[n])
        for m in range(n + 1):
            proof = merkle.consistency_proof(leaves, m, n)
            assert merkle.verify_consistency(m, n, roots[m], roots[n], proof)
            if proof:
                bad = [*proof[:-1], bytes(32)]
                assert not merkle.verify_consistency(m, n, roots[m], roots[n], bad)


@given(st.lists(st.binary(max_size=8), min_size=1, max_size=40))
def test_compact_range_equals_full_root(data):
    leaves = [merkle.leaf_hash(d) for d in data]
    compact = merkle.CompactRange()
    for leaf in leaves:
        compact.append(leaf)
    assert compact.root() == merkle.root(leaves)
    again = merkle.CompactRange(compact.size, compact.hashes)
    again.append(leaves[0])
    assert again.root() == merkle.root([*leaves, leaves[0]])


def test_module_imports_no_django():
    import subprocess
    import sys

    code = (
        "import sys, qinglang.core.merkle, qinglang.evidence.verify; "
        "assert 'django' not in sys.modules, 'django imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)  # noqa: S603


def test_inclusion_proof_from_a_stored_frontier_matches_the_full_computation():
    from qinglang.core.merkle import CompactRange, inclusion_proof, inclusion_proof_from_range

    leaves = [hashlib.sha256(bytes([i])).digest() for i in range(40)]
    for size in range(1, 41):
        for base_size in range(size):
            frontier = CompactRange()
            for leaf in leaves[:base_size]:
                frontier.append(leaf)
            for index in range(base_size, size):
                bounded = inclusion_proof_from_range(
                    index,
                    size,
                    base_size=base_size,
                    base_hashes=frontier.hashes,
                    leaves=leaves[base_size:size],
                )
                assert bounded == inclusion_proof(leaves, index, size), (size, base_size, index)


def test_inclusion_proof_from_range_refuses_a_leaf_outside_the_range():
    from qinglang.core.merkle import inclusion_proof_from_range

    leaf = hashlib.sha256(b"x").digest()
    with pytest.raises(ValueError, match="out of range"):
        inclusion_proof_from_range(0, 2, base_size=1, base_hashes=[leaf], leaves=[leaf])
