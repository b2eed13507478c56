//! The use case behind the endpoint: authorize the caller, map the customer,
//! claim the account and start the analysis.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use aws_config::SdkConfig;
use chrono::Utc;
use rand::rngs::StdRng;
use rand::SeedableRng;
use serde::Serialize;

use crate::aws::customers::{self, CustomerAccount, Ownership};
use crate::aws::executions::{self, StartedExecution};
use crate::aws::partners;
use crate::aws::DependencyError;
use crate::config::Config;
use crate::domain::execution::{Analysis, RequestOrigin};
use crate::domain::ids::{CustomerId, PartnerId};
use crate::domain::partner::{Partner, PartnerStatus};
use crate::http::route::AnalysisPath;

/// How long a warm instance trusts a partner record it read. Revoked grants
/// and suspensions must take effect within 60 seconds.
pub const PARTNER_CACHE_TTL: Duration = Duration::from_secs(30);

/// Cached partner records, unknown partners included, before old entries are dropped.
const MAX_CACHED_PARTNERS: usize = 1024;

/// The 202 body, with its fields in the published order.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Accepted {
    pub partner_id: String,
    pub partner_customer_id: String,
    pub customer_id: String,
    pub account_id: String,
    pub execution_id: String,
}

/// Failure of a validated request to start an analysis.
#[derive(Debug, thiserror::Error)]
pub enum TriggerError {
    /// The caller may not act for the partner, the partner is suspended or
    /// unknown, or the account belongs to another customer.
    #[error("{0}")]
    Forbidden(&'static str),
    #[error(transparent)]
    Dependency(#[from] DependencyError),
    /// The customer is known but its execution did not start.
    #[error("starting the analysis for customer {customer_id} failed")]
    StartFailed {
        customer_id: CustomerId,
        #[source]
        source: DependencyError,
    },
}

impl TriggerError {
    /// Returns the dependency failure behind this error, if any.
    pub fn dependency(&self) -> Option<&DependencyError> {
        match self {
            TriggerError::Forbidden(_) => None,
            TriggerError::Dependency(source) | TriggerError::StartFailed { source, .. } => {
                Some(source)
            }
        }
    }
}

/// AWS clients, configuration and the partner cache, built once per cold start.
pub struct Service {
    config: Config,
    dynamodb: aws_sdk_dynamodb::Client,
    sfn: aws_sdk_sfn::Client,
    partner_cache: Mutex<HashMap<PartnerId, (Instant, Option<Partner>)>>,
}

impl Service {
    pub fn new(config: Config, sdk_config: &SdkConfig) -> Self {
        Self {
            config,
            dynamodb: aws_sdk_dynamodb::Client::new(sdk_config),
            sfn: aws_sdk_sfn::Client::new(sdk_config),
            partner_cache: Mutex::new(HashMap::new()),
        }
    }

    /// Authorizes the caller, maps the customer, claims the account and starts
    /// the execution, for a request that passed every check at the edge.
    pub async fn trigger(
        &self,
        path: &AnalysisPath,
        origin: &RequestOrigin,
    ) -> Result<Accepted, TriggerError> {
        self.authorize(&path.partner_id, &origin.caller_arn).await?;
        let request = CustomerAccount {
            partner_id: &path.partner_id,
            partner_customer_id: &path.partner_customer_id,
            account_id: &path.account_id,
        };
        let customer =
            match customers::resolve_owner(&self.dynamodb, &self.config.table_name, request).await?
            {
                Ownership::Granted(customer) => customer,
                Ownership::Denied => {
                    return Err(TriggerError::Forbidden(
                        "account belongs to another customer",
                    ))
                }
            };
        let analysis = Analysis {
            partner_id: &path.partner_id,
            partner_customer_id: &path.partner_customer_id,
            customer_id: &customer,
            account_id: &path.account_id,
            origin,
            requested_at: Utc::now(),
        };
        let mut rng = StdRng::from_rng(&mut rand::rng());
        let state_machine_arn = &self.config.state_machine_arn;
        let started = executions::start_analysis(&self.sfn, state_machine_arn, &analysis, &mut rng)
            .await
            .map_err(|source| TriggerError::StartFailed {
                customer_id: customer.clone(),
                source,
            })?;
        let StartedExecution {
            execution_id,
            execution_arn,
        } = started;
        tracing::debug!(%execution_arn, "execution started");
        Ok(Accepted {
            partner_id: path.partner_id.to_string(),
            partner_customer_id: path.partner_customer_id.to_string(),
            customer_id: customer.to_string(),
            account_id: path.account_id.to_string(),
            execution_id,
        })
    }

    async fn authorize(&self, partner_id: &PartnerId, caller: &str) -> Result<(), TriggerError> {
        let partner = self.partner(partner_id).await?;
        match partner {
            None => Err(TriggerError::Forbidden("unknown partner")),
            Some(partner) if partner.status == PartnerStatus::Suspended => {
                Err(TriggerError::Forbidden("partner suspended"))
            }
            Some(partner) if partner.authorizes(caller) => Ok(()),
            Some(_) => Err(TriggerError::Forbidden("caller not granted by the partner")),
        }
    }

    async fn partner(&self, partner_id: &PartnerId) -> Result<Option<Partner>, DependencyError> {
        if let Some(cached) = self.cached_partner(partner_id) {
            return Ok(cached);
        }
        let partner =
            partners::get_partner(&self.dynamodb, &self.config.table_name, partner_id).await?;
        if let Ok(mut cache) = self.partner_cache.lock() {
            if cache.len() >= MAX_CACHED_PARTNERS {
                cache.retain(|_, (read_at, _)| read_at.elapsed() < PARTNER_CACHE_TTL);
            }
            if cache.len() >= MAX_CACHED_PARTNERS {
                cache.clear();
            }
            cache.insert(partner_id.clone(), (Instant::now(), partner.clone()));
        }
        Ok(partner)
    }

    fn cached_partner(&self, partner_id: &PartnerId) -> Option<Option<Partner>> {
        let cache = self.partner_cache.lock().ok()?;
        let (read_at, partner) = cache.get(partner_id)?;
        (read_at.elapsed() < PARTNER_CACHE_TTL).then(|| partner.clone())
    }
}
