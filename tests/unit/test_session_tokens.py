"""Session tokens against ShopifyAPI's, Ruby's and the derived vectors (reference §7.3).

PyJWT checks exp/nbf/iat against the wall clock, so every test that decodes runs
under jwt_clock_at(...) and none depends on today's date.
"""
from contextlib import contextmanager
from datetime import datetime
from unittest.mock import patch

import jwt
import pytest

from shopify_app.session_tokens import (
    InvalidSessionToken,
    SessionToken,
    decode_authorization_header,
    decode_session_token,
    mint_session_token,
)

# The published vectors use short secrets on purpose; PyJWT warns about any key under 32 bytes.
pytestmark = pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")

SECRET = "API Secret"
API_KEY = "API key"
NOW = 1700000000

DERIVED_VECTOR = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJodHRwczovL3Rlc3Qtc2hvcC5teXNob3BpZnkuY29tL2Fk"
    "bWluIiwiZGVzdCI6Imh0dHBzOi8vdGVzdC1zaG9wLm15c2hvcGlmeS5jb20iLCJhdWQiOiJBUEkga2V5Iiwic3ViIjoiMSIs"
    "ImV4cCI6MTcwMDAwMDA2MCwibmJmIjoxNzAwMDAwMDAwLCJpYXQiOjE3MDAwMDAwMDAsImp0aSI6IjQzMjEiLCJzaWQiOiJh"
    "YmMxMjMifQ.gIC8h23ad3cP_3z3XNME2RkComdOegedsjI317bIWLw"
)


@contextmanager
def jwt_clock_at(timestamp):
    """Freeze the clock PyJWT validates against: jwt.api_jwt calls datetime.now(tz=timezone.utc)."""

    class FrozenDatetime(datetime):
        @classmethod
        def now(cls, tz=None):
            return datetime.fromtimestamp(timestamp, tz=tz)

    # patch() without create=True fails loudly if a PyJWT upgrade stops reading the clock there.
    with patch("jwt.api_jwt.datetime", FrozenDatetime):
        yield


def make_claims(**overrides):
    """ShopifyAPI's test payload (test/session_token_test.py), issued at NOW."""
    claims = {
        "iss": "https://test-shop.myshopify.com/admin",
        "dest": "https://test-shop.myshopify.com",
        "aud": API_KEY,
        "sub": "1",
        "exp": NOW + 60,
        "nbf": NOW,
        "iat": NOW,
        "jti": "4321",
        "sid": "abc123",
    }
    claims.update(overrides)
    return claims


def make_token(secret=SECRET, algorithm="HS256", **overrides):
    return jwt.encode(make_claims(**overrides), secret, algorithm=algorithm)


def decode(token, *, at=NOW, secrets=(SECRET,)):
    with jwt_clock_at(at):
        return decode_session_token(token, api_key=API_KEY, secrets=list(secrets))


def refusal(token, **kwargs):
    with pytest.raises(InvalidSessionToken) as caught:
        decode(token, **kwargs)
    return caught.value.reason


# --- the derived deterministic vector ---------------------------------------------


def test_derived_vector_is_accepted_inside_its_lifetime():
    token = decode(DERIVED_VECTOR, at=1700000030)
    assert token == SessionToken(
        shop="test-shop.myshopify.com",
        user_id="1",
        session_id="abc123",
        expires_at=1700000060,
        claims=make_claims(exp=1700000060),
    )


def test_derived_vector_is_refused_as_expired_after_exp_plus_leeway():
    assert refusal(DERIVED_VECTOR, at=1700000075) == "expired"


@pytest.mark.parametrize("at", [1699999990, 1700000069])
def test_derived_vector_is_accepted_at_both_edges_of_its_leeway_window(at):
    assert decode(DERIVED_VECTOR, at=at).shop == "test-shop.myshopify.com"


def test_derived_vector_is_refused_as_not_yet_valid_before_nbf_minus_leeway():
    assert refusal(DERIVED_VECTOR, at=1699999989) == "not_yet_valid"


def test_derived_vector_is_the_compact_hs256_encoding_of_its_payload():
    assert make_token(exp=1700000060) == DERIVED_VECTOR


# --- ShopifyAPI test/session_token_test.py ------------------------------------------


def test_authorization_header_without_bearer_token_is_refused():
    with pytest.raises(InvalidSessionToken) as caught:
        decode_authorization_header("Bad auth header", api_key=API_KEY, secrets=[SECRET])
    assert caught.value.reason == "malformed"


def test_token_expired_11_seconds_ago_is_refused():
    assert refusal(make_token(exp=NOW - 11)) == "expired"


def test_token_with_alg_none_is_refused():
    assert refusal(jwt.encode(make_claims(), None, algorithm="none")) == "bad_algorithm"


def test_token_signed_with_another_algorithm_is_refused():
    assert refusal(make_token(algorithm="HS512")) == "bad_algorithm"


def test_token_signed_with_a_wrong_secret_is_refused():
    assert refusal(make_token(secret="Wrong Secret")) == "bad_signature"


def test_token_for_another_audience_is_refused():
    assert refusal(make_token(aud="bad audience")) == "bad_audience"


def test_token_with_an_issuer_that_is_not_a_shop_is_refused():
    assert refusal(make_token(iss="bad_shop_hostname")) == "bad_issuer"


def test_token_whose_destination_differs_from_its_issuer_is_refused():
    assert refusal(make_token(dest="bad_shop.myshopify.com")) == "mismatched_hosts"


def test_token_for_another_shop_than_its_issuer_is_refused():
    assert refusal(make_token(dest="https://other-shop.myshopify.com")) == "mismatched_hosts"


def test_token_with_nbf_10_seconds_ahead_is_accepted():
    # App Bridge sends nbf slightly in the future; ShopifyAPI allows 10 s.
    assert decode(make_token(nbf=NOW + 10)).user_id == "1"


@pytest.mark.parametrize("claim", ["iss", "dest", "sub", "jti", "sid"])
def test_token_missing_a_required_claim_is_refused(claim):
    claims = make_claims()
    del claims[claim]
    assert refusal(jwt.encode(claims, SECRET, algorithm="HS256")) == "missing_claim"


@pytest.mark.parametrize(
    "token", ["not-a-jwt", "a.b.c", DERIVED_VECTOR[:-5], "Bearer " + DERIVED_VECTOR]
)
def test_token_that_is_not_a_well_formed_jwt_is_refused_as_malformed(token):
    assert refusal(token, at=1700000030) == "malformed"


def test_token_with_a_swapped_payload_is_refused_as_bad_signature():
    header, _, signature = DERIVED_VECTOR.split(".")
    forged_payload = make_token(sub="2").split(".")[1]
    assert refusal(f"{header}.{forged_payload}.{signature}") == "bad_signature"


# --- Ruby test/auth/jwt_payload_test.rb: 10 s leeway both ways ------------------------


def test_token_expired_8_seconds_ago_is_accepted_within_leeway():
    assert decode(make_token(exp=NOW - 8)).expires_at == NOW - 8


def test_token_expired_40_seconds_ago_is_refused():
    assert refusal(make_token(exp=NOW - 40)) == "expired"


def test_token_with_nbf_8_seconds_ahead_is_accepted():
    assert decode(make_token(nbf=NOW + 8)).shop == "test-shop.myshopify.com"


def test_token_with_nbf_12_seconds_ahead_is_refused():
    assert refusal(make_token(nbf=NOW + 12)) == "not_yet_valid"


# --- rotation --------------------------------------------------------------------------


def test_token_signed_with_previous_secret_is_accepted_during_rotation():
    token = make_token(secret="old secret")
    assert decode(token, secrets=["new secret", "old secret"]).shop == "test-shop.myshopify.com"


def test_token_signed_with_an_unknown_secret_is_refused_during_rotation():
    token = make_token(secret="someone else's secret")
    assert refusal(token, secrets=["new secret", "old secret"]) == "bad_signature"


def test_expired_token_signed_with_the_current_secret_is_reported_as_expired():
    # Only a signature failure falls through to the previous secret.
    token = make_token(secret="new secret", exp=NOW - 60)
    assert refusal(token, secrets=["new secret", "old secret"]) == "expired"


def test_expired_token_signed_with_the_previous_secret_is_reported_as_expired():
    token = make_token(secret="old secret", exp=NOW - 60)
    assert refusal(token, secrets=["new secret", "old secret"]) == "expired"


def test_empty_secrets_are_skipped():
    assert decode(make_token(), secrets=["", None, SECRET]).session_id == "abc123"


def test_decoding_without_any_secret_is_a_configuration_error():
    with pytest.raises(ValueError):
        decode(make_token(), secrets=["", None])


# --- the Authorization header --------------------------------------------------------


@pytest.mark.parametrize("header", [None, "", "   "])
def test_missing_authorization_header_is_refused_as_missing(header):
    with pytest.raises(InvalidSessionToken) as caught:
        decode_authorization_header(header, api_key=API_KEY, secrets=[SECRET])
    assert caught.value.reason == "missing"


@pytest.mark.parametrize("header", ["Bearer", "Bearer   ", "Basic dXNlcjpwdw==", "Token abc"])
def test_authorization_header_with_another_scheme_or_no_token_is_malformed(header):
    with pytest.raises(InvalidSessionToken) as caught:
        decode_authorization_header(header, api_key=API_KEY, secrets=[SECRET])
    assert caught.value.reason == "malformed"


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER"])
def test_bearer_header_in_any_case_yields_the_session_token(scheme):
    with jwt_clock_at(NOW):
        token = decode_authorization_header(
            f"{scheme} {make_token()}", api_key=API_KEY, secrets=[SECRET]
        )
    assert token.shop == "test-shop.myshopify.com"
    assert (token.user_id, token.session_id) == ("1", "abc123")


@pytest.mark.parametrize("token", [None, ""])
def test_missing_token_is_refused_as_missing(token):
    assert refusal(token) == "missing"


# --- mint_session_token ------------------------------------------------------------------


def test_minted_token_carries_exactly_shopifys_claims():
    token = mint_session_token("cool-shop.myshopify.com", api_key=API_KEY, secret=SECRET, now=NOW)
    claims = jwt.decode(token, options={"verify_signature": False})
    assert set(claims) == {"iss", "dest", "aud", "sub", "exp", "nbf", "iat", "jti", "sid"}
    assert claims["iss"] == "https://cool-shop.myshopify.com/admin"
    assert claims["dest"] == "https://cool-shop.myshopify.com"
    assert (claims["aud"], claims["sub"]) == (API_KEY, "1")
    assert (claims["iat"], claims["nbf"], claims["exp"]) == (NOW, NOW, NOW + 60)
    assert jwt.get_unverified_header(token)["alg"] == "HS256"


def test_minted_token_round_trips_through_decode():
    token = mint_session_token(
        "cool-shop.myshopify.com", api_key=API_KEY, secret=SECRET, now=NOW, ttl=30, user_id="42"
    )
    decoded = decode(token, at=NOW + 20)
    assert decoded.shop == "cool-shop.myshopify.com"
    assert (decoded.user_id, decoded.expires_at) == ("42", NOW + 30)


def test_minted_tokens_have_unique_jti_and_a_stable_session_id():
    first, second = (
        jwt.decode(mint_session_token("cool-shop", api_key=API_KEY, secret=SECRET, now=NOW),
                   options={"verify_signature": False})
        for _ in range(2)
    )
    assert first["jti"] != second["jti"]
    assert first["sid"] == second["sid"]


def test_minted_token_expires_after_its_ttl_plus_leeway():
    token = mint_session_token("cool-shop.myshopify.com", api_key=API_KEY, secret=SECRET, now=NOW)
    assert refusal(token, at=NOW + 71) == "expired"


def test_minting_for_a_non_shop_domain_is_refused():
    from shopify_app.shop_domain import InvalidShopDomain

    with pytest.raises(InvalidShopDomain):
        mint_session_token("evil.com", api_key=API_KEY, secret=SECRET, now=NOW)
