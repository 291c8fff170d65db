"""playout runs and commands

Playout runs (one airing of a session, claimed once by a unique key so nothing
airs twice), operator commands polled by the scheduler process, the APScheduler
job store table, and ``as_run.run_id``.  ``as_run`` gets a plain ADD COLUMN
(never a batch copy, which on SQLite would drop its append-only triggers).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 06:04:35.536891
"""
from alembic import op
import sqlalchemy as sa
import broadcast.domain.types


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('apscheduler_jobs',
    sa.Column('id', sa.String(length=191), nullable=False),
    sa.Column('next_run_time', sa.Float(precision=25), nullable=True),
    sa.Column('job_state', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('apscheduler_jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_apscheduler_jobs_next_run_time'), ['next_run_time'], unique=False)

    op.create_table('playout_commands',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('station_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('session_code', sa.String(length=40), nullable=True),
    sa.Column('air_date', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', broadcast.domain.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('done_at', broadcast.domain.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('result', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], ),
    sa.ForeignKeyConstraint(['station_id'], ['stations.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('playout_commands', schema=None) as batch_op:
        batch_op.create_index('ix_playout_commands_status', ['status', 'created_at'], unique=False)

    op.create_table('playout_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('claim_key', sa.String(length=160), nullable=False),
    sa.Column('station_id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=True),
    sa.Column('session_code', sa.String(length=40), nullable=True),
    sa.Column('air_date', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('scheduled_start', broadcast.domain.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('started_at', broadcast.domain.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('ended_at', broadcast.domain.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('heartbeat_at', broadcast.domain.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('holder', sa.String(length=200), nullable=True),
    sa.Column('sink', sa.String(length=200), nullable=True),
    sa.Column('position', sa.Integer(), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('bulletin_id', sa.Integer(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('created_at', broadcast.domain.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['bulletin_id'], ['bulletins.id'], ),
    sa.ForeignKeyConstraint(['programme_id'], ['programmes.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['station_id'], ['stations.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('claim_key')
    )
    with op.batch_alter_table('playout_runs', schema=None) as batch_op:
        batch_op.create_index('ix_playout_runs_station_status', ['station_id', 'status'], unique=False)

    op.add_column('as_run', sa.Column('run_id', sa.Integer(), nullable=True))
    op.create_index('ix_as_run_run_id', 'as_run', ['run_id'], unique=False)



def downgrade() -> None:
    op.drop_index('ix_as_run_run_id', table_name='as_run')
    op.drop_column('as_run', 'run_id')

    with op.batch_alter_table('playout_runs', schema=None) as batch_op:
        batch_op.drop_index('ix_playout_runs_station_status')

    op.drop_table('playout_runs')
    with op.batch_alter_table('playout_commands', schema=None) as batch_op:
        batch_op.drop_index('ix_playout_commands_status')

    op.drop_table('playout_commands')
    with op.batch_alter_table('apscheduler_jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_apscheduler_jobs_next_run_time'))

    op.drop_table('apscheduler_jobs')
