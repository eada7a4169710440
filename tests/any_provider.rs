//! `AnyProvider`, chosen from a string at run time, makes exactly the calls the provider's own
//! client makes, and refuses unknown providers and missing credentials by name.

use estorno::{
    AnyProvider, AnyProviderError, Cancel, CancelRequest, Cents, Outcome, ProviderConfig,
};
use httpmock::prelude::*;

const CHARGE_ID: &str = "8086bfd7-6241-4f76-81d8-70460533ce74";

#[tokio::test]
async fn picpay_checkout_by_slug_cancels_through_the_same_calls() {
    let server = MockServer::start_async().await;
    let token = server.mock(|when, then| {
        when.method(POST).path("/oauth2/token").body(
            r#"{"grant_type":"client_credentials","client_id":"id","client_secret":"secret"}"#,
        );
        then.status(200)
            .body(r#"{"access_token":"any-token","expires_in":300,"token_type":"Bearer"}"#);
    });
    let status = server.mock(|when, then| {
        when.method(GET)
            .path(format!("/charge/{CHARGE_ID}"))
            .header("authorization", "Bearer any-token");
        then.status(200).body(
            r#"{"merchantChargeId":"8086bfd7-6241-4f76-81d8-70460533ce74","id":"c1","chargeStatus":"PAID","amount":1000,"originalAmount":1000,"refundedAmount":0}"#,
        );
    });
    let refund = server.mock(|when, then| {
        when.method(POST)
            .path(format!("/charge/{CHARGE_ID}/refund"))
            .header("authorization", "Bearer any-token")
            .body(r#"{"amount":1000}"#);
        then.status(200).body(
            r#"{"merchantChargeId":"8086bfd7-6241-4f76-81d8-70460533ce74","id":"c1","chargeStatus":"REFUNDED","amount":0,"originalAmount":1000,"refundedAmount":1000}"#,
        );
    });

    let config = ProviderConfig::new()
        .credential("client_id", "id")
        .credential("client_secret", "secret")
        .base_url(server.base_url());
    let provider = AnyProvider::from_config("picpay-checkout", &config).expect("registered");
    assert_eq!(provider.spec().name, "PicPay Checkout");
    let cancellation = provider
        .cancel(&CancelRequest::total(CHARGE_ID))
        .await
        .expect("cancels");

    assert_eq!(cancellation.outcome, Outcome::Refunded);
    assert_eq!(cancellation.refunded, Some(Cents::new(1000)));
    assert_eq!(cancellation.provider, "picpay-checkout");
    token.assert_calls(1);
    status.assert_calls(1);
    refund.assert_calls(1);
}

#[test]
fn an_unknown_slug_lists_the_known_ones() {
    let error = AnyProvider::from_config("no-such-provider", &ProviderConfig::new()).unwrap_err();
    assert!(matches!(error, AnyProviderError::UnknownProvider { .. }));
    assert!(
        error
            .to_string()
            .starts_with("unknown provider `no-such-provider`; known providers: ")
    );
    assert!(error.to_string().contains("picpay-checkout"), "{error}");
}

#[test]
fn a_missing_credential_part_is_named() {
    let config = ProviderConfig::new().credential("client_id", "id");
    let error = AnyProvider::from_config("picpay-checkout", &config).unwrap_err();
    assert_eq!(
        error.to_string(),
        "PicPay Checkout: missing credential `client_secret`"
    );
}

mod every_provider {
    //! Each registered provider, picked by slug, against the simulator: the same requests and
    //! the same effects as its own generated client.

    use estorno::registry::ENTRIES;
    use estorno::{
        Amount, AnyProvider, Cancel, CancelRequest, Cancellation, Outcome, ProviderConfig,
    };
    use estorno_sandbox::{DemoPayment, Sandbox, credentials, demo_payments};

    /// The simulator's credentials, named as each provider's credential parts are.
    fn sandbox_config(sandbox: &Sandbox, slug: &str) -> ProviderConfig {
        let parts: &[(&str, &str)] = match slug {
            "picpay-ecommerce" => &[("token", credentials::PICPAY_ECOMMERCE_TOKEN)],
            "yapay" => &[
                ("user", credentials::YAPAY_USER),
                ("password", credentials::YAPAY_PASSWORD),
            ],
            "picpay-checkout" => &[
                ("client_id", credentials::PICPAY_CHECKOUT_CLIENT_ID),
                ("client_secret", credentials::PICPAY_CHECKOUT_CLIENT_SECRET),
            ],
            "liquido" => &[
                ("client_id", credentials::LIQUIDO_CLIENT_ID),
                ("client_secret", credentials::LIQUIDO_CLIENT_SECRET),
                ("api_key", credentials::LIQUIDO_API_KEY),
            ],
            "zoop" => &[("api_key", credentials::ZOOP_API_KEY)],
            other => panic!("no simulator credentials for `{other}`"),
        };
        let mut config = ProviderConfig::new().base_url(sandbox.base_url(slug).expect("simulated"));
        if let Some(token_url) = sandbox.token_url(slug) {
            config = config.token_url(token_url);
        }
        for (part, value) in parts {
            config = config.credential(*part, *value);
        }
        config
    }

    /// The first seeded payment of `slug` that can be cancelled in part, or in full.
    fn demo(slug: &str, partial: bool) -> DemoPayment {
        demo_payments()
            .into_iter()
            .find(|payment| {
                payment.provider == slug
                    && payment.refundable_cents > 100
                    && payment.refundable_cents == payment.amount_cents
                    && (!partial || payment.partial_allowed)
            })
            .unwrap_or_else(|| panic!("a refundable demo payment for {slug}"))
    }

    fn request(payment: &DemoPayment, amount: Option<u64>) -> CancelRequest {
        let mut request = match amount {
            Some(cents) => {
                CancelRequest::partial(&payment.payment_id, Amount::from_cents(cents).unwrap())
            }
            None => CancelRequest::total(&payment.payment_id),
        };
        let fields = [
            ("authorizationId", &payment.authorization_id),
            ("codigoEstabelecimento", &payment.establishment),
            ("marketplace_id", &payment.marketplace_id),
            ("on_behalf_of", &payment.on_behalf_of),
        ];
        for (name, value) in fields {
            if let Some(value) = value {
                request = request.field(name, value.clone());
            }
        }
        request
    }

    /// Cancels through the provider's own generated client, named by its type.
    async fn direct_cancel(
        slug: &str,
        config: &ProviderConfig,
        request: &CancelRequest,
    ) -> Cancellation {
        async fn with<P: estorno::Provider + Cancel>(
            config: &ProviderConfig,
            request: &CancelRequest,
        ) -> Cancellation {
            let client: P = config.build().expect("builds");
            Cancel::cancel(&client, request).await.expect("cancels")
        }
        match slug {
            "picpay-ecommerce" => with::<estorno::picpay_ecommerce::Client>(config, request).await,
            "yapay" => with::<estorno::yapay::Client>(config, request).await,
            "picpay-checkout" => with::<estorno::picpay_checkout::Client>(config, request).await,
            "liquido" => with::<estorno::liquido::Client>(config, request).await,
            "zoop" => with::<estorno::zoop::Client>(config, request).await,
            other => panic!("no typed client for `{other}`"),
        }
    }

    /// Requests per (provider, operation), then effects as (operation, payment, cents).
    type Trace = (Vec<(String, String, u64)>, Vec<(String, String, i64)>);

    /// What the simulator saw: requests per operation and effects, without times.
    fn trace(sandbox: &Sandbox) -> Trace {
        let mut requests: Vec<_> = sandbox
            .requests()
            .into_iter()
            .map(|count| (count.provider, count.operation, count.count))
            .collect();
        requests.sort();
        let effects = sandbox
            .ledger()
            .into_iter()
            .map(|entry| (entry.operation, entry.payment, entry.amount_cents))
            .collect();
        (requests, effects)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn any_provider_by_slug_makes_the_calls_its_own_client_makes() {
        // The five providers the simulator knows; a newly added provider is not simulated.
        for slug in [
            "picpay-ecommerce",
            "yapay",
            "picpay-checkout",
            "liquido",
            "zoop",
        ] {
            assert!(
                ENTRIES.iter().any(|entry| entry.spec.slug == slug),
                "{slug} is registered"
            );
            let runs = [(demo(slug, false), None), {
                let supports_partial = slug != "liquido";
                let payment = demo(slug, supports_partial);
                (payment, supports_partial.then_some(100))
            }];
            for (payment, amount) in runs {
                // Once through AnyProvider, once through the provider's own client, each on a
                // fresh simulator.
                let by_slug = Sandbox::start().await.expect("sandbox");
                let provider = AnyProvider::from_config(slug, &sandbox_config(&by_slug, slug))
                    .unwrap_or_else(|error| panic!("{slug}: {error}"));
                let through_any = provider
                    .cancel(&request(&payment, amount))
                    .await
                    .expect("cancels");

                let direct = Sandbox::start().await.expect("sandbox");
                let through_client = direct_cancel(
                    slug,
                    &sandbox_config(&direct, slug),
                    &request(&payment, amount),
                )
                .await;

                assert!(
                    matches!(
                        through_any.outcome,
                        Outcome::Refunded | Outcome::PartiallyRefunded | Outcome::Voided
                    ),
                    "{slug} {}: {:?}",
                    payment.payment_id,
                    through_any
                );
                assert_eq!(through_any.outcome, through_client.outcome, "{slug}");
                assert_eq!(through_any.refunded, through_client.refunded, "{slug}");
                assert_eq!(
                    trace(&by_slug),
                    trace(&direct),
                    "{slug}: same requests and effects"
                );
                assert_eq!(by_slug.ledger().len(), 1, "{slug}: exactly one effect");
                by_slug.shutdown().await;
                direct.shutdown().await;
            }
        }
    }
}
