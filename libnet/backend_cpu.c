/* backend_cpu.c - the CPU backend table (the reference backend). */
#include "ln.h"
#include "ln_backend.h"

static const ln_backend cpu = {
	.name = "cpu",
	.conv2d_work = ln_cpu_conv2d_work,
	.conv2d_fwd = ln_cpu_conv2d_fwd,
	.conv2d_bwd = ln_cpu_conv2d_bwd,
	.deconv2d_work = ln_cpu_deconv2d_work,
	.deconv2d_fwd = ln_cpu_deconv2d_fwd,
	.deconv2d_bwd = ln_cpu_deconv2d_bwd,
	.bn_fwd_train = ln_cpu_bn_fwd_train,
	.bn_fwd_eval = ln_cpu_bn_fwd_eval,
	.bn_bwd = ln_cpu_bn_bwd,
	.relu_fwd = ln_cpu_relu_fwd,
	.relu_bwd = ln_cpu_relu_bwd,
	.upsample_fwd = ln_cpu_upsample_fwd,
	.upsample_bwd = ln_cpu_upsample_bwd,
	.concat_fwd = ln_cpu_concat_fwd,
	.concat_bwd = ln_cpu_concat_bwd,
	.axpby = ln_cpu_axpby,
	.avgpool_fwd = ln_cpu_avgpool_fwd,
	.avgpool_bwd = ln_cpu_avgpool_bwd,
	.linear_fwd = ln_cpu_linear_fwd,
	.linear_bwd = ln_cpu_linear_bwd,
	.dups_fwd = ln_cpu_dups_fwd,
	.dups_bwd = ln_cpu_dups_bwd,
	.softmax_fwd = ln_cpu_softmax_fwd,
	.softmax_bwd = ln_cpu_softmax_bwd,
	.ce_fwd = ln_cpu_ce_fwd,
	.ce_bwd = ln_cpu_ce_bwd,
	.bnd_fwd = ln_cpu_bnd_fwd,
	.bnd_bwd = ln_cpu_bnd_bwd,
};

const ln_backend *ln_backend_cpu(void)
{
	return &cpu;
}
