"""Named GraphQL documents for the Admin API version pinned in client.API_VERSION.

Each document has a named operation, so Shopify's logs and our own show
which query ran. Checked against the Admin GraphQL schema for 2026-10:
- `ShopPlan.displayName` is deprecated; `publicDisplayName` replaces it (2025-07+).
- `Product.featuredImage` is deprecated; `featuredMedia` replaces it, and
  `preview.image` gives an image for every media type (videos included).
"""

SHOP_INFO = """
query ShopInfo {
  shop {
    name
    email
    myshopifyDomain
    ianaTimezone
    currencyCode
    plan { publicDisplayName }
  }
}
"""

# $query uses Shopify's search syntax, e.g. "title:*yoga* status:active".
# Variant `price` is a decimal string (Money scalar): parse it with Decimal.
# What the product picker shows of each product; shared by the search and the recent list.
_PICKER_PRODUCT = """
fragment PickerProduct on Product {
  id
  title
  status
  featuredMedia { preview { image { url } } }
  variants(first: 50) {
    nodes { id title sku price }
  }
}
"""

PRODUCTS_SEARCH = """
query ProductsSearch($query: String!, $first: Int!, $after: String) {
  products(first: $first, after: $after, query: $query) {
    nodes { ...PickerProduct }
    pageInfo { hasNextPage endCursor }
  }
}
""" + _PICKER_PRODUCT

PRODUCT_VARIANT = """
query ProductVariant($id: ID!) {
  productVariant(id: $id) {
    id
    title
    price
    product { id title }
  }
}
"""

RECENT_ORDERS = """
query RecentOrders($query: String!, $first: Int!, $after: String) {
  orders(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {
    nodes {
      id
      legacyResourceId
      name
      confirmationNumber
      email
      currencyCode
      displayFinancialStatus
      cancelledAt
      updatedAt
      customer { legacyResourceId }
      lineItems(first: 100) {
        nodes {
          id
          title
          quantity
          variant { legacyResourceId }
          originalUnitPriceSet { shopMoney { amount } }
          discountAllocations { allocatedAmountSet { shopMoney { amount } } }
        }
      }
      refunds(first: 50) {
        legacyResourceId
        refundLineItems(first: 100) { nodes { quantity lineItem { id } } }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}
"""

ORDERS_COUNT = """
query OrdersCount($query: String!) {
  ordersCount(query: $query, limit: null) { count precision }
}
"""

# The product picker's first page before the merchant types anything: most recently changed first.
PRODUCTS_RECENT = """
query ProductsRecent($first: Int!, $after: String) {
  products(first: $first, after: $after, sortKey: UPDATED_AT, reverse: true) {
    nodes { ...PickerProduct }
    pageInfo { hasNextPage endCursor }
  }
}
""" + _PICKER_PRODUCT

# Titles of mapped variants; `nodes` takes at most 250 ids and answers null for a deleted one.
PRODUCT_VARIANT_TITLES = """
query ProductVariantTitles($ids: [ID!]!) {
  nodes(ids: $ids) {
    ... on ProductVariant { id title product { id title } }
  }
}
"""

# Needs read_gift_cards. Never asks for the code: only its last characters.
GIFT_CARD = """
query GiftCard($id: ID!) {
  giftCard(id: $id) {
    id
    lastCharacters
    enabled
    expiresOn
    updatedAt
    balance { amount currencyCode }
  }
}
"""

# Customers carrying a tag (customers/update payloads may omit tags since 2025-01).
TAGGED_CUSTOMERS = """
query TaggedCustomers($query: String!, $first: Int!, $after: String) {
  customers(first: $first, after: $after, query: $query) {
    nodes { id legacyResourceId tags }
    pageInfo { hasNextPage endCursor }
  }
}
"""

# A selling plan (a subscription option) by id, with its group, for mapping it to a membership plan.
SELLING_PLAN = """
query SellingPlan($id: ID!) {
  node(id: $id) {
    ... on SellingPlan {
      id
      name
      sellingPlanGroup { id name }
    }
  }
}
"""

# What a subscription contract sells: its payload names only the origin order, so the lines come from here.
# Needs read_own_subscription_contracts, which any shop that delivers subscription webhooks has granted.
SUBSCRIPTION_CONTRACT_LINES = """
query SubscriptionContractLines($id: ID!) {
  subscriptionContract(id: $id) {
    id
    lines(first: 50) {
      nodes { variantId productId sellingPlanId sellingPlanName }
    }
  }
}
"""

# Whether the shop has this customer, before staff book or assign for an id Packbook has not seen.
# `Customer.email` is deprecated since 2025-04; `defaultEmailAddress.emailAddress` replaces it.
CUSTOMER = """
query Customer($id: ID!) {
  customer(id: $id) {
    id
    firstName
    lastName
    defaultEmailAddress { emailAddress }
  }
}
"""

# The booking link from an order email that arrived before Packbook received the order: is it the shop's
# order, with that confirmation number, and whose is it?
ORDER_FOR_LINK = """
query OrderForLink($id: ID!) {
  order(id: $id) {
    id
    confirmationNumber
    email
    customer { id defaultEmailAddress { emailAddress } }
  }
}
"""
