"""Send a message to every row of a SQL query: the audience straight from the database, streamed."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from airflow_provider_whatsapp.operators.bulk import WhatsAppBulkSendOperator

if TYPE_CHECKING:
    from airflow.sdk import Context

    from airflow_provider_whatsapp.delivery.sources import Recipient

#: Rows fetched at a time: memory stays flat in the number of rows.
FETCH_SIZE = 1000


class SqlToWhatsAppOperator(WhatsAppBulkSendOperator):
    """Run ``sql`` on any Airflow SQL connection and send ``message`` to each row's number.

    The number comes from ``recipient_column``; every column is a value the message can use
    (``"Hi {{ first_name }}, order {{ order_id }} is ready"``). Rows are fetched ``fetch_size`` at a
    time through the connection's ``DbApiHook`` (SQLAlchemy with a server-side cursor where the
    database has one), so memory stays flat however many rows the query returns. Everything else is
    :class:`~airflow_provider_whatsapp.operators.bulk.WhatsAppBulkSendOperator`'s.

    :param sql: The query (templated); parameters in SQLAlchemy's ``:name`` style.
    :param sql_conn_id: Airflow connection of the database.
    :param recipient_column: The column holding each row's number.
    :param parameters: Values for the query's ``:name`` parameters (templated).
    :param fetch_size: Rows fetched at a time.
    """

    template_fields: Sequence[str] = (*WhatsAppBulkSendOperator.template_fields, "sql", "parameters")
    template_ext: Sequence[str] = (".sql",)
    template_fields_renderers = {"sql": "sql"}

    def __init__(
        self,
        *,
        sql: str,
        sql_conn_id: str,
        recipient_column: str = "to",
        parameters: Mapping[str, Any] | None = None,
        fetch_size: int = FETCH_SIZE,
        **kwargs: Any,
    ) -> None:
        super().__init__(recipients=None, recipient_key=recipient_column, **kwargs)
        self.sql = sql
        self.sql_conn_id = sql_conn_id
        self.parameters = parameters
        self.fetch_size = fetch_size

    def recipient_rows(self, context: Context) -> Iterator[Recipient]:
        """The query's rows, ``fetch_size`` at a time, as recipients with their columns as values."""
        from sqlalchemy import text

        from airflow_provider_whatsapp.delivery.sources import read_recipients
        from airflow_provider_whatsapp.delivery.storage import db_api_hook

        engine = db_api_hook(self.sql_conn_id).get_sqlalchemy_engine()

        def rows() -> Iterator[dict[str, Any]]:
            with engine.connect() as conn:
                result = conn.execution_options(stream_results=True).execute(
                    text(self.sql), dict(self.parameters or {})
                )
                for batch in result.mappings().partitions(self.fetch_size):
                    yield from (dict(row) for row in batch)

        return read_recipients(rows(), recipient_key=self.recipient_key)
