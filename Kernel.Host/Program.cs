using Kernel.Host;
using Kernel.Host.Commands;

return await Cli.Run(args);
