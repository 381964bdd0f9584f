"""Webhook HMAC, query HMAC and app proxy signature vs the published vectors (§7.1, 7.2, 7.4)."""
import base64
import hashlib
import hmac
from urllib.parse import parse_qs, parse_qsl

import pytest
from hypothesis import given
from hypothesis import strategies as st

import shopify
from shopify_app.signatures import (
    AppProxyRequest,
    InvalidSignature,
    sign_app_proxy,
    sign_query,
    sign_webhook,
    verify_app_proxy,
    verify_query_hmac,
    verify_webhook,
)

# --- 7.1 webhook body HMAC ------------------------------------------------------

WEBHOOK_VECTORS = [
    # shopify-app-js lib/webhooks/__tests__/validate.test.ts
    ("test_secret_key", b'{"foo": "bar"}', "B23tXN681gZ0qIWNRrgtzBE9XSDo5yaUu6wfmhu3a7g="),
    # shopify-api-php tests/Webhooks/RegistryTest.php
    (
        "7008c5f4da4718b9b45d26d3fcbbb157",
        b'{"foo":"bar"}',
        "+R9TwYM4mbLTk3hEAOBkpA7zW2lc9vNFmVKs2u2jtyY=",
    ),
    # shopify-api-ruby test/webhooks/registry_test.rb
    ("API_SECRET_KEY", b"{}", "+ihUB5l+D7QrohDEi/6NcBcJRyKssyWqos13LmnsBbs="),
    # derived, UTF-8 body
    (
        "hush",
        '{"id":1,"note":"café"}'.encode("utf-8"),
        "foEjqc88nIdg5LAnXXzRsDrJnpNZJKbyPLSa9+F3LXU=",
    ),
]


@pytest.mark.parametrize(("secret", "body", "header"), WEBHOOK_VECTORS)
def test_published_webhook_hmac_is_accepted(secret, body, header):
    verify_webhook(body, header, [secret])


@pytest.mark.parametrize(("secret", "body", "header"), WEBHOOK_VECTORS)
def test_sign_webhook_reproduces_the_published_hmac(secret, body, header):
    assert sign_webhook(body, secret) == header


@pytest.mark.parametrize(("secret", "body", "header"), WEBHOOK_VECTORS)
def test_published_webhook_hmac_is_refused_for_a_changed_body(secret, body, header):
    with pytest.raises(InvalidSignature) as caught:
        verify_webhook(body + b" ", header, [secret])
    assert caught.value.reason == "mismatch"


def test_webhook_hmac_with_rubys_trailing_newline_is_accepted():
    # Ruby's Base64.encode64 appends "\n"; HTTP servers strip it from header values anyway.
    verify_webhook(b"{}", "+ihUB5l+D7QrohDEi/6NcBcJRyKssyWqos13LmnsBbs=\n", ["API_SECRET_KEY"])


def test_webhook_signed_with_previous_secret_is_accepted_during_rotation():
    header = sign_webhook(b'{"id":1}', "old-secret")
    verify_webhook(b'{"id":1}', header, ["new-secret", "old-secret"])


def test_webhook_signed_with_current_secret_is_accepted_during_rotation():
    header = sign_webhook(b'{"id":1}', "new-secret")
    verify_webhook(b'{"id":1}', header, ["new-secret", "old-secret"])


def test_webhook_signed_with_an_unknown_secret_is_refused():
    header = sign_webhook(b'{"id":1}', "someone-elses-secret")
    with pytest.raises(InvalidSignature) as caught:
        verify_webhook(b'{"id":1}', header, ["new-secret", "old-secret"])
    assert caught.value.reason == "mismatch"


@pytest.mark.parametrize("header", [None, "", "   "])
def test_webhook_without_hmac_header_is_refused_as_missing(header):
    with pytest.raises(InvalidSignature) as caught:
        verify_webhook(b"{}", header, ["API_SECRET_KEY"])
    assert caught.value.reason == "missing"


@pytest.mark.parametrize("header", ["fake", "not base64!", "B23t*N681gZ0", "é" * 44])
def test_webhook_header_that_is_not_base64_is_a_mismatch_not_a_crash(header):
    with pytest.raises(InvalidSignature) as caught:
        verify_webhook(b'{"foo": "bar"}', header, ["test_secret_key"])
    assert caught.value.reason == "mismatch"


def test_cookie_signature_replayed_as_webhook_hmac_is_refused():
    # shopify-app-js sends a signed-cookie value as the HMAC: valid base64, wrong digest.
    cookie_signature = base64.b64encode(
        hmac.new(b"test_secret_key", b"shopify_app_session=abc", hashlib.sha256).digest()
    ).decode()
    with pytest.raises(InvalidSignature) as caught:
        verify_webhook(b'{"foo": "bar"}', cookie_signature, ["test_secret_key"])
    assert caught.value.reason == "mismatch"


def test_webhook_hmac_of_a_different_length_is_a_mismatch():
    short = base64.b64encode(b"\x00" * 16).decode()
    with pytest.raises(InvalidSignature) as caught:
        verify_webhook(b"{}", short, ["API_SECRET_KEY"])
    assert caught.value.reason == "mismatch"


def test_empty_secrets_in_the_list_are_ignored():
    header = "+ihUB5l+D7QrohDEi/6NcBcJRyKssyWqos13LmnsBbs="
    verify_webhook(b"{}", header, ["", None, "API_SECRET_KEY"])


def test_empty_secret_never_verifies_a_webhook_signed_with_the_empty_key():
    # An unset previous secret must not turn into "HMAC with an empty key is fine".
    header = sign_webhook(b"{}", "")
    with pytest.raises(InvalidSignature):
        verify_webhook(b"{}", header, ["API_SECRET_KEY", ""])


@pytest.mark.parametrize("secrets", [[], ["", None]])
def test_verifying_without_any_secret_is_a_configuration_error(secrets):
    with pytest.raises(ValueError, match="no Shopify client secret"):
        verify_webhook(b"{}", "+ihUB5l+D7QrohDEi/6NcBcJRyKssyWqos13LmnsBbs=", secrets)


def test_a_single_secret_string_instead_of_a_list_is_refused():
    # Iterating "API_SECRET_KEY" would try one-letter keys, which anyone can forge.
    with pytest.raises(TypeError):
        verify_webhook(b"{}", sign_webhook(b"{}", "A"), "API_SECRET_KEY")


# --- 7.2 admin / OAuth query HMAC -------------------------------------------------

DOCS_QUERY = (
    "code=0907a61c0c8d55e99db179b68161bc00"
    "&hmac=700e2dadb827fcc8609e9d5ce208b2e9cdaab9df07390d2cbca10d7c328fc4bf"
    "&shop=some-shop.myshopify.com&state=0.6784241404160823&timestamp=1337178173"
)
QUERY_TIMESTAMP = 1337178173


def test_docs_oauth_callback_query_is_accepted():
    # parse_qs gives lists, like request.args.to_dict(flat=False).
    verify_query_hmac(parse_qs(DOCS_QUERY), ["hush"], now=QUERY_TIMESTAMP + 5)


def test_docs_oauth_callback_query_is_accepted_from_a_werkzeug_multidict():
    from werkzeug.datastructures import MultiDict

    verify_query_hmac(MultiDict(parse_qsl(DOCS_QUERY)), ["hush"], now=QUERY_TIMESTAMP + 5)


def test_docs_oauth_callback_query_is_refused_when_a_value_changes():
    params = dict(parse_qsl(DOCS_QUERY), state="0.6784241404160824")
    with pytest.raises(InvalidSignature) as caught:
        verify_query_hmac(params, ["hush"], now=QUERY_TIMESTAMP + 5)
    assert caught.value.reason == "mismatch"


def test_shopify_api_calculation_vector_is_accepted():
    # ShopifyAPI test/session_test.py::test_hmac_calculation
    params = {
        "shop": "some-shop.myshopify.com",
        "code": "a94a110d86d2452eb3e2af4cfb8a3828",
        "timestamp": "1337178173",
        "hmac": "2cb1a277650a659f1b11e92a4a64275b128e037f2c3390e3c8fd2d8721dac9e2",
    }
    verify_query_hmac(params, ["hush"], now=QUERY_TIMESTAMP)


def test_query_without_state_vector_is_accepted():
    params = {
        "code": "0907a61c0c8d55e99db179b68161bc00",
        "shop": "some-shop.myshopify.com",
        "timestamp": "1337178173",
        "hmac": "4712bf92ffc2917d15a2f5a273e39f0116667419aa4b6ac0b3baaf26fa3c4d20",
    }
    verify_query_hmac(params, ["hush"], now=QUERY_TIMESTAMP)


@pytest.mark.parametrize(
    ("params", "secret", "digest"),
    [
        # test_param_validation_of_param_values_with_lists: signed as ids=["2", "1"] (json.dumps)
        (
            {"shop": "some-shop.myshopify.com", "ids[]": [2, 1]},
            "hush",
            "b93b9f82996f6f8bf9f1b7bbddec284c8fabacdc4e12dc80550b4705f3003b1e",
        ),
        # the same, as strings, which is what a query string actually carries
        (
            {"shop": "some-shop.myshopify.com", "ids[]": ["2", "1"]},
            "hush",
            "b93b9f82996f6f8bf9f1b7bbddec284c8fabacdc4e12dc80550b4705f3003b1e",
        ),
        # test_hmac_calculation_with_ampersand_and_equal_sign_characters: a=1%26b=2&c%3D3%26d=4
        (
            {"a": "1&b=2", "c=3&d": "4"},
            "secret",
            "8de3c7e965d22fa21e059868e4004f5b6fbdcef293d1622ff9408edd6325bc6b",
        ),
    ],
)
def test_sign_query_reproduces_shopify_api_edge_case_vectors(params, secret, digest):
    assert sign_query(params, secret) == digest


def test_list_param_vector_verifies_but_still_needs_a_timestamp():
    params = {
        "shop": "some-shop.myshopify.com",
        "ids[]": ["2", "1"],
        "hmac": "b93b9f82996f6f8bf9f1b7bbddec284c8fabacdc4e12dc80550b4705f3003b1e",
    }
    with pytest.raises(InvalidSignature, match="timestamp") as caught:
        verify_query_hmac(params, ["hush"], now=QUERY_TIMESTAMP)
    assert caught.value.reason == "missing"


def test_list_param_in_another_order_is_refused():
    params = {
        "shop": "some-shop.myshopify.com",
        "ids[]": ["1", "2"],
        "hmac": "b93b9f82996f6f8bf9f1b7bbddec284c8fabacdc4e12dc80550b4705f3003b1e",
    }
    with pytest.raises(InvalidSignature) as caught:
        verify_query_hmac(params, ["hush"], now=QUERY_TIMESTAMP)
    assert caught.value.reason == "mismatch"


def test_query_without_timestamp_is_refused_even_when_signed():
    # test_parameter_validation_handles_missing_params
    params = {"shop": "some-shop.myshopify.com", "code": "a94a110d86d2452eb3e2af4cfb8a3828"}
    params["hmac"] = sign_query(params, "hush")
    with pytest.raises(InvalidSignature) as caught:
        verify_query_hmac(params, ["hush"], now=QUERY_TIMESTAMP)
    assert caught.value.reason == "missing"


def test_query_without_hmac_is_refused_as_missing():
    params = {"shop": "some-shop.myshopify.com", "timestamp": str(QUERY_TIMESTAMP)}
    with pytest.raises(InvalidSignature) as caught:
        verify_query_hmac(params, ["hush"], now=QUERY_TIMESTAMP)
    assert caught.value.reason == "missing"


@pytest.mark.parametrize("age", [86401, -86401])
def test_query_more_than_a_day_from_now_is_refused_as_stale(age):
    with pytest.raises(InvalidSignature) as caught:
        verify_query_hmac(parse_qs(DOCS_QUERY), ["hush"], now=QUERY_TIMESTAMP + age)
    assert caught.value.reason == "stale"


@pytest.mark.parametrize("age", [86400, -86400])
def test_query_exactly_a_day_from_now_is_accepted(age):
    verify_query_hmac(parse_qs(DOCS_QUERY), ["hush"], now=QUERY_TIMESTAMP + age)


def test_query_max_age_can_be_tightened():
    with pytest.raises(InvalidSignature) as caught:
        verify_query_hmac(parse_qs(DOCS_QUERY), ["hush"], now=QUERY_TIMESTAMP + 91, max_age=90)
    assert caught.value.reason == "stale"


@pytest.mark.parametrize("timestamp", ["", "abc", "123.45", "1_337_178_173", " 1337178173"])
def test_signed_query_with_a_non_integer_timestamp_is_refused(timestamp):
    params = {"shop": "some-shop.myshopify.com", "timestamp": timestamp}
    params["hmac"] = sign_query(params, "hush")
    with pytest.raises(InvalidSignature) as caught:
        verify_query_hmac(params, ["hush"], now=QUERY_TIMESTAMP)
    assert caught.value.reason == "bad_timestamp"


def test_query_signed_with_previous_secret_is_accepted_during_rotation():
    params = {"shop": "some-shop.myshopify.com", "timestamp": str(QUERY_TIMESTAMP)}
    params["hmac"] = sign_query(params, "old-secret")
    verify_query_hmac(params, ["new-secret", "old-secret"], now=QUERY_TIMESTAMP)


def test_query_signed_with_an_unknown_secret_is_refused():
    params = {"shop": "some-shop.myshopify.com", "timestamp": str(QUERY_TIMESTAMP)}
    params["hmac"] = sign_query(params, "someone-elses-secret")
    with pytest.raises(InvalidSignature) as caught:
        verify_query_hmac(params, ["new-secret", "old-secret"], now=QUERY_TIMESTAMP)
    assert caught.value.reason == "mismatch"


@pytest.mark.parametrize("param", ["shop", "timestamp", "hmac"])
def test_query_with_a_repeated_plain_param_is_refused(param):
    params = parse_qs(DOCS_QUERY)
    params[param] = params[param] * 2
    with pytest.raises(InvalidSignature) as caught:
        verify_query_hmac(params, ["hush"], now=QUERY_TIMESTAMP)
    assert caught.value.reason == "duplicate_param"


def test_query_verification_leaves_the_process_wide_shopify_session_untouched():
    before = shopify.Session.secret
    verify_query_hmac(parse_qs(DOCS_QUERY), ["hush"], now=QUERY_TIMESTAMP)
    assert shopify.Session.secret == before != "hush"


# --- 7.4 app proxy signature --------------------------------------------------------

DOCS_PROXY_SECRET = "hush"
DOCS_PROXY_TIMESTAMP = 1317327555
DOCS_PROXY_QUERY = (
    "extra=1&extra=2&shop=shop-name.myshopify.com&logged_in_customer_id=1"
    "&path_prefix=%2Fapps%2Fawesome_reviews&timestamp=1317327555"
    "&signature=4c68c8624d737112c91818c11017d24d334b524cb5c2b8ba08daa056f7395ddb"
)
DOCS_PROXY_ANONYMOUS_QUERY = (
    "extra=1&extra=2&shop=shop-name.myshopify.com&logged_in_customer_id="
    "&path_prefix=%2Fapps%2Fawesome_reviews&timestamp=1317327555"
    "&signature=e072b6d7e6622d85912a5214b860d3100dc1e73d9bc29f43796ac8c9ff8093cb"
)
NOW = 1700000000


def proxy_pairs(query):
    """The decoded (key, value) pairs, as werkzeug's request.args.items(multi=True) yields them."""
    return parse_qsl(query, keep_blank_values=True)


def reference_signature(pairs, secret):
    """Shopify's doc code, transcribed: collect{|k,v| "#{k}=#{Array(v).join(',')}"}.sort.join"""
    query = {}
    for key, value in pairs:
        if key != "signature":
            query.setdefault(key, []).append(value)
    message = "".join(sorted(key + "=" + ",".join(values) for key, values in query.items()))
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def signed(pairs, secret="proxy-secret"):
    return [*pairs, ("signature", reference_signature(pairs, secret))]


def fresh_pairs(**overrides):
    params = {
        "shop": "cool-shop.myshopify.com",
        "logged_in_customer_id": "7253328314568",
        "path_prefix": "/apps/book",
        "timestamp": str(NOW),
        **overrides,
    }
    return [(key, value) for key, value in params.items() if value is not None]


def refusal(pairs, *, now=NOW, secrets=("proxy-secret",)):
    with pytest.raises(InvalidSignature) as caught:
        verify_app_proxy(pairs, list(secrets), now=now)
    return caught.value.reason


def test_docs_logged_in_app_proxy_request_is_accepted():
    request = verify_app_proxy(
        proxy_pairs(DOCS_PROXY_QUERY), [DOCS_PROXY_SECRET], now=DOCS_PROXY_TIMESTAMP + 30
    )
    assert request == AppProxyRequest(
        shop="shop-name.myshopify.com",
        logged_in_customer_id="1",
        path_prefix="/apps/awesome_reviews",
        timestamp=DOCS_PROXY_TIMESTAMP,
    )


def test_docs_anonymous_app_proxy_request_has_no_customer():
    request = verify_app_proxy(
        proxy_pairs(DOCS_PROXY_ANONYMOUS_QUERY), [DOCS_PROXY_SECRET], now=DOCS_PROXY_TIMESTAMP
    )
    assert request.logged_in_customer_id is None
    assert request.shop == "shop-name.myshopify.com"


def test_docs_app_proxy_request_is_stale_at_todays_clock():
    assert refusal(proxy_pairs(DOCS_PROXY_QUERY), now=NOW, secrets=[DOCS_PROXY_SECRET]) == "stale"


def test_docs_signature_does_not_cover_the_anonymous_request():
    query = DOCS_PROXY_QUERY.replace("logged_in_customer_id=1", "logged_in_customer_id=")
    pairs = proxy_pairs(query)
    assert refusal(pairs, now=DOCS_PROXY_TIMESTAMP, secrets=[DOCS_PROXY_SECRET]) == "mismatch"


def test_node_vector_with_raw_spaces_is_signed_over_decoded_values():
    # Node hmac-validator.test.ts: values are decoded, so "the shop URL" keeps its spaces.
    pairs = proxy_pairs(
        "logged_in_customer_id=1&path_prefix=%2Fapps%2Fmy_app"
        "&shop=the%20shop%20URL&timestamp=1700000000"
    )
    assert sign_app_proxy(pairs, "my super secret key") == (
        "86256abb38933370f3e5da1c6c6ec7718f2b09fd9d3ea31e5c06c126c63c7927"
    )
    signature = ("signature", "86256abb38933370f3e5da1c6c6ec7718f2b09fd9d3ea31e5c06c126c63c7927")
    # The signature verifies (else: "mismatch"); "the shop URL" is then refused as a shop.
    assert refusal([*pairs, signature], secrets=["my super secret key"]) == "bad_shop"


def test_node_vector_with_a_repeated_application_param_is_accepted():
    pairs = proxy_pairs(
        "extra=first&extra=second&shop=shop.myshopify.com&timestamp=1700000000"
        "&signature=75b176b8aca9c125857524a897df4c3aac1fd06f5cc6d7711188bf0aab6ce6cb"
    )
    request = verify_app_proxy(pairs, ["my super secret key"], now=NOW)
    assert request == AppProxyRequest(
        shop="shop.myshopify.com", logged_in_customer_id=None, path_prefix="", timestamp=NOW
    )


def test_repeated_application_param_values_are_signed_in_order_of_appearance():
    pairs = proxy_pairs("extra=second&extra=first&shop=shop.myshopify.com&timestamp=1700000000")
    pairs.append(("signature", "75b176b8aca9c125857524a897df4c3aac1fd06f5cc6d7711188bf0aab6ce6cb"))
    assert refusal(pairs, secrets=["my super secret key"]) == "mismatch"


@pytest.mark.parametrize(
    "param", ["shop", "signature", "timestamp", "hmac", "logged_in_customer_id", "path_prefix"]
)
def test_app_proxy_request_repeating_a_reserved_param_is_refused(param):
    pairs = signed(fresh_pairs(hmac="x"))
    repeated = next(pair for pair in pairs if pair[0] == param)
    assert verify_app_proxy(pairs, ["proxy-secret"], now=NOW)  # fine before the repeat
    assert refusal([*pairs, repeated]) == "duplicate_param"


def test_customer_id_smuggled_next_to_the_real_one_is_refused():
    # The storefront URL is customer-controlled; Shopify appends its own params after it.
    pairs = signed([("logged_in_customer_id", "999"), *fresh_pairs()])
    assert refusal(pairs) == "duplicate_param"


@pytest.mark.parametrize(
    "timestamp",
    ["", "abc", "NaN", "nan", "inf", "-inf", "Infinity", "123.45", "1e9", "-1700000000",
     " 1700000000", "1_700_000_000", "١٧٠٠٠٠٠٠٠٠"],
)
def test_app_proxy_request_with_a_malformed_timestamp_is_refused(timestamp):
    assert refusal(signed(fresh_pairs(timestamp=timestamp))) == "bad_timestamp"


def test_app_proxy_request_without_timestamp_is_refused():
    assert refusal(signed(fresh_pairs(timestamp=None))) == "bad_timestamp"


@pytest.mark.parametrize("skew", [91, -91, 3600])
def test_app_proxy_request_more_than_90_seconds_from_now_is_refused(skew):
    assert refusal(signed(fresh_pairs(timestamp=str(NOW + skew)))) == "stale"


@pytest.mark.parametrize("skew", [89, -89, 90, -90, 0])
def test_app_proxy_request_within_90_seconds_is_accepted(skew):
    request = verify_app_proxy(
        signed(fresh_pairs(timestamp=str(NOW + skew))), ["proxy-secret"], now=NOW
    )
    assert request.timestamp == NOW + skew


def test_app_proxy_request_with_a_tampered_customer_id_is_refused():
    pairs = [
        (key, "7253328314569" if key == "logged_in_customer_id" else value)
        for key, value in signed(fresh_pairs())
    ]
    assert refusal(pairs) == "mismatch"


def test_app_proxy_request_with_an_added_param_is_refused():
    assert refusal([*signed(fresh_pairs()), ("admin", "1")]) == "mismatch"


@pytest.mark.parametrize("signature", [None, ""])
def test_app_proxy_request_without_signature_is_refused_as_missing(signature):
    pairs = fresh_pairs() + ([("signature", signature)] if signature is not None else [])
    assert refusal(pairs) == "missing"


def test_app_proxy_signature_with_non_ascii_text_is_a_mismatch_not_a_crash():
    assert refusal([*fresh_pairs(), ("signature", "é" * 64)]) == "mismatch"


def test_app_proxy_signed_with_previous_secret_is_accepted_during_rotation():
    pairs = signed(fresh_pairs(), secret="old-secret")
    request = verify_app_proxy(pairs, ["new-secret", "old-secret"], now=NOW)
    assert request.shop == "cool-shop.myshopify.com"


def test_app_proxy_signed_with_an_unknown_secret_is_refused():
    pairs = signed(fresh_pairs(), secret="someone-elses-secret")
    assert refusal(pairs, secrets=["new-secret", "old-secret"]) == "mismatch"


def test_app_proxy_customer_id_beyond_2_53_is_kept_exactly():
    request = verify_app_proxy(
        signed(fresh_pairs(logged_in_customer_id="9007199254740993")), ["proxy-secret"], now=NOW
    )
    assert request.logged_in_customer_id == "9007199254740993"


def test_app_proxy_params_given_as_a_mapping_are_a_caller_error():
    from werkzeug.datastructures import MultiDict

    with pytest.raises(TypeError, match="multi=True"):
        verify_app_proxy(MultiDict(signed(fresh_pairs())), ["proxy-secret"], now=NOW)


def test_app_proxy_params_from_a_werkzeug_multidict_verify():
    from werkzeug.datastructures import MultiDict

    args = MultiDict(proxy_pairs(DOCS_PROXY_QUERY))
    request = verify_app_proxy(
        args.items(multi=True), [DOCS_PROXY_SECRET], now=DOCS_PROXY_TIMESTAMP
    )
    assert request.logged_in_customer_id == "1"


def test_app_proxy_request_without_shop_is_refused():
    assert refusal(signed(fresh_pairs(shop=None))) == "bad_shop"


def test_app_proxy_params_are_sorted_as_rendered_strings_not_by_key():
    # "page-size=" sorts before "page=" ('-' < '='), while the key "page" sorts first.
    pairs = signed(fresh_pairs() + [("page", "2"), ("page-size", "10")])
    assert verify_app_proxy(pairs, ["proxy-secret"], now=NOW).shop == "cool-shop.myshopify.com"


# Any key except the reserved ones, any text as values (decoded, so anything goes). The small
# alphabet makes keys that prefix one another, where sorting strings and sorting keys differ.
_RESERVED = {"shop", "signature", "timestamp", "hmac", "logged_in_customer_id", "path_prefix"}
_param_names = st.one_of(
    st.text(alphabet="ab-_=,", min_size=1, max_size=4), st.text(min_size=1, max_size=10)
)
_extra_params = st.dictionaries(
    _param_names.filter(lambda key: key not in _RESERVED),
    st.lists(st.text(max_size=12), min_size=1, max_size=3),
    max_size=5,
)


def _with_extras(extras):
    return fresh_pairs() + [(key, value) for key, values in extras.items() for value in values]


@given(extras=_extra_params)
def test_any_query_signed_by_the_reference_signer_verifies(extras):
    pairs = signed(_with_extras(extras))
    assert verify_app_proxy(pairs, ["proxy-secret"], now=NOW).shop == "cool-shop.myshopify.com"


@given(extras=_extra_params, data=st.data())
def test_flipping_any_signed_value_breaks_the_signature(extras, data):
    pairs = signed(_with_extras(extras))
    index = data.draw(st.integers(0, len(pairs) - 2), label="index")  # any pair but the signature
    key, value = pairs[index]
    # Appending a character changes the signed string's length, so the message must differ.
    pairs[index] = (key, value + data.draw(st.characters(), label="appended"))
    assert refusal(pairs) == "mismatch"


def test_a_lone_surrogate_anywhere_in_a_proxy_query_is_refused_not_raised():
    pairs = signed(fresh_pairs())
    assert refusal([*pairs[:-1], ("extra", "\ud800"), pairs[-1]]) == "mismatch"
    assert refusal([*pairs[:-1], ("signature", "\udfff" * 64)]) == "mismatch"
