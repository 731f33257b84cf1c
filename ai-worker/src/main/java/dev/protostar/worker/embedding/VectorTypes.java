package dev.protostar.worker.embedding;

import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.logging.Logger;

import javax.sql.DataSource;

import com.pgvector.PGvector;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.util.DriverDataSource;

/**
 * Vectors travel through JDBC as pgvector-java's {@link PGvector}, with its type
 * registered on every connection the pool opens, once per connection.
 *
 * <p>
 * Registered, the driver sends and reads {@code vector} values in pgvector's binary
 * form (1.5 KB for 384 dimensions instead of some 4 KB of decimal text that PostgreSQL
 * parses) and {@code getObject} returns a {@link PGvector}. Unregistered, the same code
 * still works but falls back to text, so nothing would fail: hence
 * {@code VectorTypesIntegrationTests}.
 *
 * <p>
 * Why a wrapped {@link DataSource}: HikariCP has no hook that runs Java code on a new
 * connection ({@code connectionInitSql} runs SQL, and type registration is a call on
 * the driver's connection object). Hikari asks its {@code dataSource} for a physical
 * connection only when it opens one, so registering there costs one {@code pg_type}
 * lookup per pooled connection rather than per borrow; everything else of Hikari
 * (validation, timeouts, metrics) stays as configured. The wrapped source is the one
 * Hikari would have built itself from the JDBC URL.
 */
public final class VectorTypes {

	private VectorTypes() {
	}

	/**
	 * Makes every connection this pool opens know pgvector's {@code vector} type. Call
	 * before the pool starts (before its first connection).
	 */
	public static void registerOnEveryConnection(HikariConfig pool) {
		DataSource target = pool.getDataSource();
		if (target == null) {
			target = new DriverDataSource(pool.getJdbcUrl(), pool.getDriverClassName(), pool.getDataSourceProperties(),
					pool.getUsername(), pool.getPassword());
		}
		if (!(target instanceof Registering)) {
			pool.setDataSource(new Registering(target));
		}
	}

	/** Registers the type on one connection (a connection made outside a pool). */
	public static Connection register(Connection connection) throws SQLException {
		// Only vector: halfvec and sparsevec (PGvector.registerTypes) are not used, and
		// each registration is a pg_type lookup.
		PGvector.addVectorType(connection);
		return connection;
	}

	/** A DataSource whose new connections have the type registered. */
	private static final class Registering implements DataSource {

		private final DataSource target;

		Registering(DataSource target) {
			this.target = target;
		}

		@Override
		public Connection getConnection() throws SQLException {
			return registered(this.target.getConnection());
		}

		@Override
		public Connection getConnection(String username, String password) throws SQLException {
			return registered(this.target.getConnection(username, password));
		}

		private static Connection registered(Connection connection) throws SQLException {
			try {
				return register(connection);
			}
			catch (SQLException | RuntimeException ex) {
				connection.close();
				throw ex;
			}
		}

		@Override
		public PrintWriter getLogWriter() throws SQLException {
			return this.target.getLogWriter();
		}

		@Override
		public void setLogWriter(PrintWriter out) throws SQLException {
			this.target.setLogWriter(out);
		}

		@Override
		public void setLoginTimeout(int seconds) throws SQLException {
			this.target.setLoginTimeout(seconds);
		}

		@Override
		public int getLoginTimeout() throws SQLException {
			return this.target.getLoginTimeout();
		}

		@Override
		public Logger getParentLogger() throws SQLFeatureNotSupportedException {
			return this.target.getParentLogger();
		}

		@Override
		public <T> T unwrap(Class<T> type) throws SQLException {
			return type.isInstance(this) ? type.cast(this) : this.target.unwrap(type);
		}

		@Override
		public boolean isWrapperFor(Class<?> type) throws SQLException {
			return type.isInstance(this) || this.target.isWrapperFor(type);
		}

	}

}
