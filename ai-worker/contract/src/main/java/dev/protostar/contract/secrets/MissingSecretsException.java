package dev.protostar.contract.secrets;

import java.util.List;
import java.util.stream.Collectors;

/** Secrets a production start needs are unset or blank; the message names each variable. */
public class MissingSecretsException extends IllegalStateException {

	private final List<String> variables;

	MissingSecretsException(List<String> variables) {
		super(variables.stream()
			.map((variable) -> variable + " must be set in the production profile")
			.collect(Collectors.joining("; ")));
		this.variables = List.copyOf(variables);
	}

	/** The variables to set. */
	public List<String> variables() {
		return this.variables;
	}

}
