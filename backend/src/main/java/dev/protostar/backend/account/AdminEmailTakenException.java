package dev.protostar.backend.account;

/**
 * {@code PROTOSTAR_ADMIN_EMAIL} names an account that AdminBootstrap did not
 * create and that is not an admin: somebody signed up with the address, and
 * making it an admin would hand them the installation. Stops the start; the
 * failure analyzer says what to do.
 */
class AdminEmailTakenException extends RuntimeException {

	AdminEmailTakenException() {
		super("PROTOSTAR_ADMIN_EMAIL names an existing account that is not an admin and was not created from "
				+ "this setting; it is not made an admin, as whoever registered the address would then own the "
				+ "installation");
	}

}
