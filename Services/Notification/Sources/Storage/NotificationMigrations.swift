import HotlineStorage

/// Schema `notification`: every request, its history, opt-outs, rate buckets and delivery
/// reports that arrived before the send was recorded. Numbers exist only as pseudonym and
/// AES-GCM ciphertext.
enum NotificationMigrations {
    static let all: [Migration] = [
        .messaging(schema: .notification, version: 1),
        Migration(version: 2, name: "notifications", statements: [
            """
            CREATE TABLE notification.notifications (
                notification_id text PRIMARY KEY,
                source_event_id text NOT NULL,
                case_id uuid,
                reference_code text,
                audience text NOT NULL,
                template text NOT NULL,
                parameters jsonb NOT NULL,
                language text NOT NULL,
                priority text NOT NULL,
                priority_rank smallint NOT NULL,
                recipient_pseudonym text NOT NULL,
                recipient_key_id text NOT NULL,
                recipient_ciphertext text NOT NULL,
                time_zone text,
                opt_out_exempt boolean NOT NULL DEFAULT false,
                status text NOT NULL CHECK (status IN ('queued', 'sending', 'sent', 'delivered', 'failed', 'unknown', 'suppressed')),
                attempts integer NOT NULL DEFAULT 0,
                not_before timestamptz NOT NULL DEFAULT now(),
                claimed_by text,
                claimed_at timestamptz,
                lease_until timestamptz,
                reconcile_after timestamptz,
                provider text,
                sender text,
                provider_message_id text,
                rendered_language text,
                encoding text,
                segments integer,
                reason text,
                created_at timestamptz NOT NULL DEFAULT now(),
                updated_at timestamptz NOT NULL DEFAULT now()
            )
            """,
            "CREATE INDEX notifications_due ON notification.notifications (priority_rank DESC, created_at) WHERE status = 'queued'",
            "CREATE INDEX notifications_leased ON notification.notifications (lease_until) WHERE status = 'sending'",
            "CREATE INDEX notifications_reconcile ON notification.notifications (reconcile_after) WHERE status = 'unknown'",
            """
            CREATE UNIQUE INDEX notifications_provider_message ON notification.notifications (provider, provider_message_id)
                WHERE provider_message_id IS NOT NULL
            """,
            "CREATE INDEX notifications_recipient ON notification.notifications (recipient_pseudonym, created_at)",
            """
            CREATE TABLE notification.history (
                id bigserial PRIMARY KEY,
                notification_id text NOT NULL REFERENCES notification.notifications (notification_id),
                status text NOT NULL,
                reason text,
                provider text,
                provider_message_id text,
                attempt integer NOT NULL,
                instance text,
                at timestamptz NOT NULL DEFAULT now()
            )
            """,
            "CREATE INDEX history_notification ON notification.history (notification_id, id)",
            """
            CREATE TABLE notification.opt_outs (
                recipient_pseudonym text PRIMARY KEY,
                source text NOT NULL,
                opted_out_at timestamptz NOT NULL DEFAULT now()
            )
            """,
            """
            CREATE TABLE notification.rate_buckets (
                provider text NOT NULL,
                sender text NOT NULL,
                tokens double precision NOT NULL,
                refilled_at timestamptz NOT NULL,
                granted boolean NOT NULL DEFAULT false,
                PRIMARY KEY (provider, sender)
            )
            """,
            """
            CREATE TABLE notification.pending_delivery_reports (
                event_id text PRIMARY KEY,
                provider text NOT NULL,
                provider_message_id text NOT NULL,
                status text NOT NULL,
                provider_status text NOT NULL,
                reason text,
                received_at timestamptz NOT NULL
            )
            """,
            "CREATE INDEX pending_delivery_reports_message ON notification.pending_delivery_reports (provider, provider_message_id)",
        ]),
        // The token bucket is soft state, rewritten on every take: unlogged, it writes no WAL and a
        // take's commit waits for no flush. After a crash the bucket is recreated full.
        Migration(version: 3, name: "unlogged rate buckets", statements: [
            "ALTER TABLE notification.rate_buckets SET UNLOGGED",
        ]),
        // An alert to a target that keeps active hours waits for them (reference data: targets.csv).
        Migration(version: 4, name: "active hours", statements: [
            "ALTER TABLE notification.notifications ADD COLUMN active_hours text",
        ]),
        // Each claim's id, chosen before it commits: if the COMMIT's answer is lost, the claimer
        // still knows which rows it took and never handed to the gateway.
        Migration(version: 5, name: "claim ids", statements: [
            "ALTER TABLE notification.notifications ADD COLUMN claim_id uuid",
        ]),
    ]
}
