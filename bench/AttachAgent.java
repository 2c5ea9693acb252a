import com.sun.tools.attach.VirtualMachine;

/**
 * Loads a JVMTI agent into a running JVM: {@code java bench/AttachAgent.java PID LIBRARY OPTIONS}. Used by
 * compare-cluster.sh (PROFILE=) to start and stop async-profiler inside the measured phase only; jcmd's
 * JVMTI.agent_load cannot pass async-profiler's options, which contain '='.
 */
public class AttachAgent {
    public static void main(String[] args) throws Exception {
        VirtualMachine vm = VirtualMachine.attach(args[0]);
        try {
            vm.loadAgentPath(args[1], args[2]);
        } finally {
            vm.detach();
        }
    }
}
