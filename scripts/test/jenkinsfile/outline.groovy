// Parses a Jenkinsfile as Groovy (the compiler's CONVERSION phase: syntax and AST, no
// class resolution, so the pipeline DSL's names need no Jenkins) and prints its outline:
//   stage NAME / end stage, begin post|failure|... / end ... (and begin/end
//   withDeployCredentials, the Jenkinsfile's block that binds the deploy key), sh COMMAND,
//   and sh-interpolated TEXT for a sh step whose command is not a constant string.
// Usage: java -cp groovy.jar groovy.ui.GroovyMain outline.groovy Jenkinsfile
import org.codehaus.groovy.ast.*
import org.codehaus.groovy.ast.expr.*
import org.codehaus.groovy.ast.stmt.*
import org.codehaus.groovy.control.*

def file = new File(args[0])
def unit = new CompilationUnit()
unit.addSource(file)
unit.compile(Phases.CONVERSION)
def module = unit.getAST().getModules()[0]
def conditions = ['post', 'failure', 'always', 'success', 'unstable', 'cleanup', 'aborted', 'changed', 'fixed', 'regression', 'unsuccessful',
                  'withDeployCredentials']
def visitor = new CodeVisitorSupport() {
  int depth = 0
  void visitMethodCallExpression(MethodCallExpression call) {
    def name = call.methodAsString
    def args = call.arguments instanceof TupleExpression ? call.arguments.expressions : [call.arguments]
    def first = args ? args[0] : null
    if (name == 'stage' && first instanceof ConstantExpression) println "stage ${first.value}"
    else if (name == 'sh' && first instanceof ConstantExpression) println "sh ${first.value}"
    else if (name == 'sh') println "sh-interpolated ${first.text}"
    else if (name in conditions) println "begin ${name}"
    super.visitMethodCallExpression(call)
    if (name in conditions) println "end ${name}"
    else if (name == 'stage') println "end stage"
  }
}
module.statementBlock.visit(visitor)
