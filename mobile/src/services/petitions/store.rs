//! Petitions on the phone: the citizen's verified identity (a token from a
//! clerk's activation code), the Comune's petitions as last synced, and the
//! citizen's signatures and withdrawals, queued in the outbox until the
//! server answers (so signing works offline).

use casa_shared_model::petition::{
    NewPetition, PetitionRules, PetitionStatus, ProposalPayload, PublicPetition, SignaturePayload, SignatureStanding, WithdrawalPayload,
};
use casa_shared_model::wire::{IdentitySession, ItemOutcome, PushItem};
use casa_shared_model::{IstatCode, PetitionId};
use chrono::Utc;
use rusqlite::{params, OptionalExtension, Transaction};
use serde::Serialize;

use crate::store::{ts, LocalStore, StoreError, StoreResult};

pub(crate) const MIGRATION: &str = "CREATE TABLE identity (
         id             INTEGER PRIMARY KEY CHECK (id = 1),
         token          TEXT NOT NULL,
         residence      TEXT NOT NULL,
         residence_name TEXT NOT NULL
     );
     CREATE TABLE petitions (
         id       TEXT PRIMARY KEY,
         comune   TEXT NOT NULL,
         position INTEGER NOT NULL,
         petition TEXT NOT NULL
     );
     -- The citizen's own acts on a petition, newest last; the latest says
     -- where they stand.
     CREATE TABLE petition_acts (
         id            TEXT PRIMARY KEY,
         petition_id   TEXT NOT NULL,
         kind          TEXT NOT NULL,
         at            TEXT NOT NULL,
         answered      INTEGER NOT NULL DEFAULT 0,
         error_code    TEXT,
         error_message TEXT
     );
     CREATE INDEX petition_acts_petition ON petition_acts (petition_id, at);";

/// The citizen's own proposals, as written (the server's copy replaces the
/// draft in the list once it has one).
pub(crate) const PROPOSALS_MIGRATION: &str = "CREATE TABLE proposals (
         id         TEXT PRIMARY KEY,
         comune     TEXT NOT NULL,
         payload    TEXT NOT NULL,
         created_at TEXT NOT NULL
     );";

/// The identity this phone signs with.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LocalIdentity {
    #[serde(skip)]
    pub token: String,
    pub residence: IstatCode,
    pub residence_name: String,
}

/// Where the citizen stands on a petition, as this phone knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum MySignature {
    NotSigned,
    /// Signed on the phone: "will be sent".
    Pending,
    Counted,
    /// A withdrawal is waiting to be sent.
    WithdrawalPending,
    Withdrawn,
    /// The server refused the last act; the message says why.
    Refused {
        code: String,
        message: String,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LocalPetition {
    #[serde(flatten)]
    pub petition: PublicPetition,
    pub mine: MySignature,
}

/// Why the phone will not queue a signature.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignRefused {
    #[error("petizione non trovata sul telefono: sincronizza / petition not on the phone: sync first")]
    NotFound,
    #[error("la petizione non raccoglie più firme / the petition no longer takes signatures")]
    Closed,
    #[error("hai già firmato questa petizione / you already signed this petition")]
    AlreadySigned,
    #[error("non c'è una tua firma da ritirare / there is no signature of yours to withdraw")]
    NotSigned,
    #[error("per firmare attiva prima la tua identità (casa identity activate CODICE) / activate your identity first")]
    NoIdentity,
    #[error(
        "la tua firma di questa petizione è stata annullata dai moderatori del Comune / your signature of this petition was invalidated"
    )]
    Invalidated,
}

/// What the citizen writes to propose a petition in their Comune.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProposalDraft {
    pub title: String,
    pub body: String,
    pub residents_only: bool,
    pub open_days: u32,
}

/// Why the phone will not queue a proposal.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProposeRefused {
    #[error("per proporre una petizione attiva prima la tua identità / activate your identity first")]
    NoIdentity,
    #[error("{0}")]
    Invalid(casa_shared_model::petition::PetitionError),
}

impl LocalStore {
    pub fn identity(&self) -> StoreResult<Option<LocalIdentity>> {
        let row = self
            .conn
            .query_row("SELECT token, residence, residence_name FROM identity WHERE id = 1", [], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?))
            })
            .optional()?;
        row.map(|(token, residence, residence_name)| {
            let residence = IstatCode::parse(&residence).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            Ok(LocalIdentity { token, residence, residence_name })
        })
        .transpose()
    }

    /// Replaces the phone's identity. Signatures still waiting were made by
    /// the previous person: they go, rather than be sent as the new one's.
    pub fn set_identity(&mut self, s: &IdentitySession) -> StoreResult<()> {
        if self.identity()?.is_some_and(|old| old.token != s.token) {
            let tx = self.conn.transaction()?;
            tx.execute("DELETE FROM outbox WHERE item_id IN (SELECT id FROM petition_acts WHERE answered = 0)", [])?;
            // What the phone knew was the previous person's: their proposals
            // and acts, and where the server said they stood (the next sync
            // lists anew).
            tx.execute("DELETE FROM proposals", [])?;
            tx.execute("DELETE FROM petition_acts", [])?;
            tx.execute("DELETE FROM petitions", [])?;
            tx.commit()?;
        }
        self.conn.execute(
            "INSERT INTO identity (id, token, residence, residence_name) VALUES (1, ?1, ?2, ?3)
             ON CONFLICT (id) DO UPDATE SET token = excluded.token, residence = excluded.residence, residence_name = excluded.residence_name",
            params![s.token, s.residence.as_str(), s.residence_name],
        )?;
        Ok(())
    }

    /// The Comune's petitions as the server sent them (the whole list).
    pub fn replace_petitions(&mut self, comune: &IstatCode, list: &[PublicPetition]) -> StoreResult<()> {
        let tx = self.conn.transaction()?;
        tx.execute("DELETE FROM petitions WHERE comune = ?1", [comune.as_str()])?;
        {
            let mut insert =
                tx.prepare_cached("INSERT OR REPLACE INTO petitions (id, comune, position, petition) VALUES (?1, ?2, ?3, ?4)")?;
            for (i, p) in list.iter().enumerate() {
                let json = serde_json::to_string(p).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                insert.execute(params![p.id.to_string(), comune.as_str(), i as i64, json])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// The citizen's proposals not sent yet, or refused, first, as drafts
    /// (one the server took is listed by the server, with its progress);
    /// then the Comune's petitions as last synced.
    pub fn petitions(&self) -> StoreResult<Vec<LocalPetition>> {
        let mut out = Vec::new();
        let mut drafts = self.conn.prepare_cached(
            "SELECT payload FROM proposals WHERE id NOT IN (SELECT id FROM petitions)
                   AND id IN (SELECT id FROM petition_acts WHERE answered = 0 OR error_code IS NOT NULL) ORDER BY created_at DESC",
        )?;
        for json in drafts.query_map([], |r| r.get::<_, String>(0))? {
            let p: ProposalPayload = serde_json::from_str(&json?).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            let petition = PublicPetition {
                id: p.id,
                comune: p.comune,
                title: p.title,
                body: p.body,
                status: PetitionStatus::Draft,
                residents_only: p.residents_only,
                signatures: 0,
                cosponsors_needed: 0,
                thresholds: Vec::new(),
                closes_at: None,
                response: None,
                updated_at: p.created_at,
                my_signature: None,
            };
            let mine = self.my_signature(&petition)?;
            out.push(LocalPetition { petition, mine });
        }
        let mut stmt = self.conn.prepare_cached("SELECT petition FROM petitions ORDER BY position")?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        for json in rows {
            let petition: PublicPetition = serde_json::from_str(&json?).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            let mine = self.my_signature(&petition)?;
            out.push(LocalPetition { petition, mine });
        }
        Ok(out)
    }

    /// Whether this phone's citizen wrote the petition.
    pub fn is_my_proposal(&self, id: &PetitionId) -> StoreResult<bool> {
        Ok(self.conn.query_row("SELECT count(*) FROM proposals WHERE id = ?1", [id.to_string()], |r| r.get::<_, i64>(0))? > 0)
    }

    /// A petition read by its link (a proposal looking for co-sponsors),
    /// kept with the Comune's list until that list is next replaced.
    pub fn keep_petition(&mut self, p: &PublicPetition) -> StoreResult<()> {
        let json = serde_json::to_string(p).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        self.conn.execute(
            "INSERT INTO petitions (id, comune, position, petition) VALUES (?1, ?2, -1, ?3)
             ON CONFLICT (id) DO UPDATE SET petition = excluded.petition",
            params![p.id.to_string(), p.comune.as_str(), json],
        )?;
        Ok(())
    }

    /// Writes a proposal for the citizen's Comune (where they are a verified
    /// resident); it is sent, with the author's signature, on the next sync.
    pub fn propose_petition(&mut self, draft: &ProposalDraft) -> StoreResult<Result<PetitionId, ProposeRefused>> {
        let Some(identity) = self.identity()? else { return Ok(Err(ProposeRefused::NoIdentity)) };
        let now = Utc::now();
        let payload = ProposalPayload {
            id: PetitionId::new(),
            comune: identity.residence,
            title: draft.title.trim().to_owned(),
            body: draft.body.trim().to_owned(),
            residents_only: draft.residents_only,
            open_days: draft.open_days,
            created_at: now,
        };
        // Texts and duration are checked here as the server will; the
        // Comune's co-sponsors and thresholds are the server's to apply.
        if let Err(e) = NewPetition::propose(&payload, &PetitionRules::default()) {
            return Ok(Err(ProposeRefused::Invalid(e)));
        }
        let json = serde_json::to_string(&PushItem::Proposal(payload.clone())).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let own = serde_json::to_string(&payload).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let id = payload.id.to_string();
        let tx = self.conn.transaction()?;
        tx.execute(
            "INSERT INTO proposals (id, comune, payload, created_at) VALUES (?1, ?2, ?3, ?4)",
            params![id, payload.comune.as_str(), own, ts(now)],
        )?;
        tx.execute("INSERT INTO petition_acts (id, petition_id, kind, at) VALUES (?1, ?1, 'proposal', ?2)", params![id, ts(now)])?;
        tx.execute("INSERT INTO outbox (item_id, kind, payload, created_at) VALUES (?1, 'proposal', ?2, ?3)", params![id, json, ts(now)])?;
        tx.commit()?;
        Ok(Ok(payload.id))
    }

    pub fn petition(&self, id: &PetitionId) -> StoreResult<Option<LocalPetition>> {
        Ok(self.petitions()?.into_iter().find(|p| p.petition.id == *id))
    }

    /// What this phone did, until the server has answered it; then where
    /// the server says the person stands (they may have signed or withdrawn
    /// on another phone, or the Comune invalidated the signature).
    fn my_signature(&self, p: &PublicPetition) -> StoreResult<MySignature> {
        let local = self.my_acts(&p.id)?;
        // Once a petition takes no signatures the server's standing can only
        // be stale or gone (anonymised): what the phone did says it better.
        let live = p.status.takes_signatures();
        Ok(match (local, p.my_signature) {
            (local @ (MySignature::Pending | MySignature::WithdrawalPending), _) => local,
            (_, Some(SignatureStanding::Invalidated)) => MySignature::Refused {
                code: "signature_invalidated".into(),
                message:
                    "La tua firma è stata annullata dai moderatori del Comune / Your signature was invalidated by the Comune's moderators"
                        .into(),
            },
            (MySignature::Counted, Some(SignatureStanding::NotSigned)) if live => MySignature::Withdrawn,
            (MySignature::NotSigned | MySignature::Withdrawn, Some(SignatureStanding::Signed)) if live => MySignature::Counted,
            (local, _) => local,
        })
    }

    fn my_acts(&self, id: &PetitionId) -> StoreResult<MySignature> {
        let last = self
            .conn
            .query_row(
                "SELECT kind, answered, error_code, error_message FROM petition_acts WHERE petition_id = ?1 ORDER BY rowid DESC LIMIT 1",
                [id.to_string()],
                |r| Ok((r.get::<_, String>(0)?, r.get::<_, bool>(1)?, r.get::<_, Option<String>>(2)?, r.get::<_, Option<String>>(3)?)),
            )
            .optional()?;
        Ok(match last {
            None => MySignature::NotSigned,
            Some((_, true, Some(code), message)) => MySignature::Refused { code, message: message.unwrap_or_default() },
            Some((kind, answered, None, _)) => match (kind.as_str(), answered) {
                ("signature" | "proposal", false) => MySignature::Pending,
                ("signature" | "proposal", true) => MySignature::Counted,
                ("withdrawal", false) => MySignature::WithdrawalPending,
                _ => MySignature::Withdrawn,
            },
            Some((_, false, Some(_), _)) => MySignature::Pending,
        })
    }

    /// Whether the citizen's signature stands, as far as the phone knows: a
    /// refused withdrawal leaves it standing, and "already signed" from the
    /// server means it was made on another phone (so it can be withdrawn here).
    fn signature_stands(&self, id: &PetitionId) -> StoreResult<bool> {
        let mut stmt = self.conn.prepare_cached("SELECT kind, error_code FROM petition_acts WHERE petition_id = ?1 ORDER BY rowid DESC")?;
        let acts = stmt.query_map([id.to_string()], |r| Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?)))?;
        for act in acts {
            match act? {
                (kind, Some(_)) if kind == "withdrawal" => continue,
                (kind, None) => return Ok(kind == "signature" || kind == "proposal"),
                (_, Some(code)) => return Ok(code == "already_signed"),
            }
        }
        Ok(false)
    }

    /// Petition acts not yet answered by the server.
    pub fn pending_petition_acts(&self) -> StoreResult<u64> {
        Ok(self.conn.query_row("SELECT count(*) FROM petition_acts WHERE answered = 0", [], |r| r.get(0))?)
    }

    /// Signs a petition on the phone; the signature is sent on the next sync.
    pub fn sign_petition(&mut self, id: &PetitionId) -> StoreResult<Result<uuid::Uuid, SignRefused>> {
        self.queue_act(id, true)
    }

    /// Takes a signature back on the phone; sent on the next sync.
    pub fn withdraw_signature(&mut self, id: &PetitionId) -> StoreResult<Result<uuid::Uuid, SignRefused>> {
        self.queue_act(id, false)
    }

    fn queue_act(&mut self, id: &PetitionId, sign: bool) -> StoreResult<Result<uuid::Uuid, SignRefused>> {
        if self.identity()?.is_none() {
            return Ok(Err(SignRefused::NoIdentity));
        }
        let Some(p) = self.petition(id)? else { return Ok(Err(SignRefused::NotFound)) };
        if p.petition.my_signature == Some(SignatureStanding::Invalidated) && sign {
            return Ok(Err(SignRefused::Invalidated));
        }
        if !p.petition.status.takes_signatures() {
            return Ok(Err(SignRefused::Closed));
        }
        let signed = match (&p.mine, p.petition.my_signature) {
            (MySignature::Pending | MySignature::WithdrawalPending, _) | (_, None) => self.signature_stands(id)?,
            (_, Some(standing)) => standing == SignatureStanding::Signed,
        };
        match (sign, signed) {
            (true, true) => return Ok(Err(SignRefused::AlreadySigned)),
            (false, false) => return Ok(Err(SignRefused::NotSigned)),
            _ => {}
        }
        let (act, now) = (uuid::Uuid::now_v7(), Utc::now());
        let (kind, item) = if sign {
            ("signature", PushItem::Signature(SignaturePayload { id: act, petition_id: *id, signed_at: now }))
        } else {
            ("withdrawal", PushItem::Withdrawal(WithdrawalPayload { id: act, petition_id: *id, at: now }))
        };
        let json = serde_json::to_string(&item).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let tx = self.conn.transaction()?;
        tx.execute(
            "INSERT INTO petition_acts (id, petition_id, kind, at) VALUES (?1, ?2, ?3, ?4)",
            params![act.to_string(), id.to_string(), kind, ts(now)],
        )?;
        tx.execute(
            "INSERT INTO outbox (item_id, kind, payload, created_at) VALUES (?1, ?2, ?3, ?4)",
            params![act.to_string(), kind, json, ts(now)],
        )?;
        tx.commit()?;
        Ok(Ok(act))
    }
}

/// Files the server's answer to a signature or withdrawal (inside the sync's
/// transaction); a counted act also updates the petition's count on the phone.
pub(crate) fn apply_result(tx: &Transaction<'_>, id: &str, outcome: &ItemOutcome) -> StoreResult<()> {
    let act: Option<(String, String)> =
        tx.query_row("SELECT kind, petition_id FROM petition_acts WHERE id = ?1", [id], |r| Ok((r.get(0)?, r.get(1)?))).optional()?;
    // The answer is newer than the standing the last list brought: the
    // cached petition takes it, with the count.
    let update = |signatures: Option<u32>, standing: Option<SignatureStanding>| -> StoreResult<()> {
        let Some((_, petition)) = &act else { return Ok(()) };
        let json: Option<String> = tx.query_row("SELECT petition FROM petitions WHERE id = ?1", [petition], |r| r.get(0)).optional()?;
        if let Some(json) = json {
            let mut p: PublicPetition = serde_json::from_str(&json).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            if let Some(n) = signatures {
                p.signatures = n;
            }
            if p.my_signature.is_some() {
                p.my_signature = standing.or(p.my_signature);
            }
            let json = serde_json::to_string(&p).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            tx.execute("UPDATE petitions SET petition = ?2 WHERE id = ?1", params![p.id.to_string(), json])?;
        }
        Ok(())
    };
    let kind = act.as_ref().map(|(k, _)| k.as_str());
    match outcome {
        ItemOutcome::Counted(receipt) => {
            tx.execute("UPDATE petition_acts SET answered = 1, error_code = NULL, error_message = NULL WHERE id = ?1", [id])?;
            let standing = if kind == Some("withdrawal") { SignatureStanding::NotSigned } else { SignatureStanding::Signed };
            update(Some(receipt.signatures), Some(standing))?;
        }
        ItemOutcome::Rejected { code, message } => {
            tx.execute(
                "UPDATE petition_acts SET answered = 1, error_code = ?2, error_message = ?3 WHERE id = ?1",
                params![id, code, message],
            )?;
            let standing = match code.as_str() {
                "already_signed" => Some(SignatureStanding::Signed),
                "signature_invalidated" => Some(SignatureStanding::Invalidated),
                "not_signed" => Some(SignatureStanding::NotSigned),
                _ => None,
            };
            update(None, standing)?;
        }
        ItemOutcome::Accepted(_) => {
            return Err(StoreError::Corrupt(format!("a petition act answered as a report: {id}")));
        }
        // Never reaches here (kept queued by `apply_response`); nothing to record.
        ItemOutcome::Deferred { .. } => {}
    }
    Ok(())
}
