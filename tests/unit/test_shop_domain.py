"""sanitize_shop against the published cases of every official Shopify library (reference §7.5)."""
import pytest

from shopify_app.shop_domain import InvalidShopDomain, sanitize_shop


@pytest.mark.parametrize(
    "value",
    [
        # ShopifyAPI (Python) test/utils/shop_url_test.py
        "my-shop",
        "my-shop.myshopify.com",
        "http://my-shop.myshopify.com",
        "https://my-shop.myshopify.com",
        # shopify-api-php tests/UtilsTest.php
        "MY-SHOP",
        "   My-ShOp   ",
        # shopify-api-ruby strips a trailing slash
        "https://my-shop.myshopify.com/",
    ],
)
def test_shop_name_in_any_accepted_form_becomes_the_bare_myshopify_domain(value):
    assert sanitize_shop(value) == "my-shop.myshopify.com"


@pytest.mark.parametrize(
    "value",
    [
        "https://admin.shopify.com/store/cool-shop",  # Ruby
        "admin.shopify.com/store/cool-shop",  # Node
        "http://admin.shopify.com/store/cool-shop/",
        "HTTPS://Admin.Shopify.com/store/Cool-Shop",
    ],
)
def test_admin_store_url_becomes_the_shops_myshopify_domain(value):
    assert sanitize_shop(value) == "cool-shop.myshopify.com"


@pytest.mark.parametrize(
    "value",
    [
        # ShopifyAPI (Python)
        "myshop.com",
        "myshopify.com",
        "shopify.com",
        "two words",
        "store.myshopify.com.evil.com",
        "/foo/bar",
        "/foo.myshopify.io.evil.ru",
        "%0a123.myshopify.io ",
        "foo.bar.myshopify.io",
        # PHP
        "my shop",
        "%0a123.myshopify.io",
        # Ruby
        "attacker.example",
        "",
        "evil.com",
        "myshopify.com.evil.com",
        "test-shop.notmyshopify.com",
        "attacker.com/.myshopify.com",
        "shop.myshopify.com@evil.com",
        # Node
        "notshopify.com",
        "not-admin.shopify.com/store/my-shop",
        "admin.shopify.com/store/my-shop/../../evil",
        # Python's regex wants a label ending in an alphanumeric; Node accepts this one.
        "dev-shop-.myshopify.com",
        "   ",
    ],
)
def test_value_that_is_not_a_myshopify_shop_is_refused(value):
    with pytest.raises(InvalidShopDomain):
        sanitize_shop(value)


def test_none_is_refused_rather_than_returned():
    with pytest.raises(InvalidShopDomain, match="None"):
        sanitize_shop(None)


def test_non_string_is_refused_even_if_its_text_would_pass():
    # str(123) would pass as a shop handle; a number is a caller bug, not a shop.
    with pytest.raises(InvalidShopDomain):
        sanitize_shop(123)


def test_refusal_names_the_value_truncated_to_100_characters():
    value = "evil-" + "x" * 500 + ".com"
    with pytest.raises(InvalidShopDomain) as caught:
        sanitize_shop(value)
    message = str(caught.value)
    assert repr(value)[:100] in message
    assert repr(value)[:101] not in message
    assert caught.value.value == value


def test_invalid_shop_domain_is_a_value_error_for_generic_handlers():
    assert issubclass(InvalidShopDomain, ValueError)
