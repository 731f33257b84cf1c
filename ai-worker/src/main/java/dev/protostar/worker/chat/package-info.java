/**
 * Chat jobs: answering a user's question and writing the answer into the
 * conversation.
 * <p>
 * <b>The schema belongs to the backend.</b> {@code conversations} and
 * {@code messages} are created and migrated by the backend's Flyway, from
 * the migrations in the contract module
 * ({@code ai-worker/contract/src/main/resources/db/migration}); the worker
 * only reads and writes rows in them and never runs Flyway (it has neither
 * Flyway nor Spring Boot's Flyway support on its class path, on purpose). Two processes migrating the same tables, in
 * two release cycles, would race and drift. A worker change that needs a new
 * column therefore ships as a backend migration first, which must stay
 * compatible with the worker release still running.
 */
package dev.protostar.worker.chat;
