-- description: The storefront opens a checkout: a new pending order in AUD for a generated customer
-- params: amount_cents, email
INSERT INTO orders (state, total_amount_cents, currency, customer_email)
VALUES ('pending', %(amount_cents)s, 'aud', %(email)s)
RETURNING id
