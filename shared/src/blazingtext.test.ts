import { blazingTextImage } from './blazingtext';

describe('blazingTextImage', () => {
  it('names the regional BlazingText image', () => {
    expect(blazingTextImage('us-east-1')).toBe('811284229777.dkr.ecr.us-east-1.amazonaws.com/blazingtext:1');
    expect(blazingTextImage('eu-west-1')).toBe('685385470294.dkr.ecr.eu-west-1.amazonaws.com/blazingtext:1');
    expect(blazingTextImage('cn-north-1')).toBe('390948362332.dkr.ecr.cn-north-1.amazonaws.com.cn/blazingtext:1');
  });

  it('refuses a region without BlazingText', () => {
    expect(() => blazingTextImage('mars-north-1')).toThrow(/not available in region mars-north-1/);
  });
});
